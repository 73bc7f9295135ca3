/**
 * The page's one script, served from memory. Everything works without it (forms post and redirect,
 * confirmations have their own page); with it: copy buttons, confirmation dialogs, the create form
 * opening in place, and the address bar set back to the page after a one-time result, so that
 * reloading does not send the form again.
 */
export const pageJs = String.raw`(function () {
  'use strict';
  var root = document.documentElement;
  root.classList.add('js');

  var canonical = document.body.getAttribute('data-canonical');
  if (canonical && window.history && history.replaceState && location.pathname + location.search !== canonical) {
    history.replaceState(null, '', canonical);
  }

  function copyText(text, field) {
    if (navigator.clipboard && window.isSecureContext) return navigator.clipboard.writeText(text);
    return new Promise(function (resolve, reject) {
      var area = field && field.select ? field : document.createElement('textarea');
      if (area !== field) { area.value = text; area.setAttribute('readonly', ''); area.style.position = 'fixed'; area.style.opacity = '0'; document.body.appendChild(area); }
      area.select();
      var ok = false;
      try { ok = document.execCommand('copy'); } catch (e) { ok = false; }
      if (area !== field) document.body.removeChild(area);
      if (ok) { resolve(); } else { reject(new Error('copy failed')); }
    });
  }

  document.addEventListener('click', function (event) {
    var button = event.target.closest ? event.target.closest('[data-copy]') : null;
    if (!button) return;
    var source = document.getElementById(button.getAttribute('data-copy'));
    if (!source) return;
    var text = source.tagName === 'INPUT' ? source.value : source.textContent;
    var shown = button.querySelector('.copy-label') || button;
    var label = shown.getAttribute('data-label') || shown.textContent;
    shown.setAttribute('data-label', label);
    copyText(text, source.tagName === 'INPUT' ? source : null).then(function () {
      shown.textContent = 'Copied';
    }, function () {
      shown.textContent = 'Select and copy';
    }).then(function () {
      setTimeout(function () { shown.textContent = label; }, 2000);
    });
  });

  var dialog = document.getElementById('confirm-dialog');
  document.addEventListener('submit', function (event) {
    var form = event.target;
    var toggle = form.getAttribute('data-toggle');
    if (toggle) {
      var panel = document.getElementById(toggle);
      if (panel) {
        event.preventDefault();
        panel.hidden = false;
        var input = panel.querySelector('input[type=text]');
        if (input) input.focus();
        panel.scrollIntoView({ block: 'nearest' });
      }
      return;
    }
    var message = form.getAttribute('data-confirm');
    if (!message || !dialog || typeof dialog.showModal !== 'function') return;
    event.preventDefault();
    var confirmForm = dialog.querySelector('form.confirm-form');
    confirmForm.setAttribute('action', form.getAttribute('data-confirm-action'));
    dialog.querySelector('.confirm-title').textContent = form.getAttribute('data-confirm-title') || 'Are you sure?';
    dialog.querySelector('.confirm-message').textContent = message;
    var go = dialog.querySelector('.confirm-go');
    go.textContent = form.getAttribute('data-confirm-label') || 'OK';
    var once = confirmForm.querySelector('input[name=once]');
    if (once) once.value = form.getAttribute('data-once') || '';
    dialog.showModal();
    dialog.querySelector('.confirm-cancel').focus();
  });
  if (dialog) {
    dialog.querySelector('.confirm-cancel').addEventListener('click', function () { dialog.close(); });
  }

  var closeCreate = document.querySelector('[data-close]');
  if (closeCreate) {
    closeCreate.addEventListener('click', function (event) {
      var panel = document.getElementById(closeCreate.getAttribute('data-close'));
      if (panel) { event.preventDefault(); panel.hidden = true; }
    });
  }

  var switcher = document.getElementById('switch-account');
  if (switcher) {
    switcher.addEventListener('change', function () { if (switcher.form) switcher.form.submit(); });
  }
})();
`;
