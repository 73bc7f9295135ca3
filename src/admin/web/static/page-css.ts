/** The page's one stylesheet, served from memory at a content-hashed URL. */
export const pageCss = String.raw`
:root {
  --ink: #1d2327; --muted: #56626b; --line: #dde3e8; --bg: #f3f5f7; --card: #fff;
  --accent: #c2410c; --accent-dark: #9a3412; --accent-soft: #fff4ec;
  --ok: #166534; --ok-soft: #e8f6ec; --warn: #92400e; --warn-soft: #fff8e6; --warn-line: #f5c46b;
  --danger: #b42318; --danger-soft: #fdeceb; --info-soft: #eef4fb; --info-line: #b8cfe8;
  --mono: ui-monospace, "SFMono-Regular", "DejaVu Sans Mono", Menlo, Consolas, monospace;
  --radius: 8px;
}
* { box-sizing: border-box; }
html { -webkit-text-size-adjust: 100%; }
body { margin: 0; background: var(--bg); color: var(--ink); font: 15px/1.5 system-ui, -apple-system, "Segoe UI", Roboto, "Helvetica Neue", Arial, sans-serif; }
a { color: #1d4ed8; }
h1, h2, h3 { line-height: 1.25; margin: 0 0 .5rem; }
h1 { font-size: 1.6rem; }
h2 { font-size: 1.2rem; }
h3 { font-size: 1rem; }
p { margin: 0 0 .75rem; }
code, .mono { font-family: var(--mono); font-size: .9em; }
:focus-visible { outline: 3px solid #2563eb; outline-offset: 2px; }
.visually-hidden { position: absolute; width: 1px; height: 1px; overflow: hidden; clip: rect(0 0 0 0); white-space: nowrap; }
.skip { position: absolute; left: -999px; }
.skip:focus { left: 1rem; top: .5rem; background: #fff; padding: .25rem .5rem; z-index: 10; }

/* Header: the MAGEID at the top left, as on the Marketplace. */
.topbar { background: #1d2327; color: #fff; }
.topbar-inner { max-width: 1200px; margin: 0 auto; padding: .75rem 1.25rem; display: flex; flex-wrap: wrap; align-items: center; gap: .75rem 1.5rem; }
.identity { display: flex; flex-direction: column; margin-right: auto; min-width: 0; }
.identity .label { font-size: .72rem; letter-spacing: .08em; text-transform: uppercase; color: #aeb7bf; }
.identity .mageid { font-family: var(--mono); font-size: 1.15rem; font-weight: 700; letter-spacing: .02em; }
.identity .account-name { color: #d6dce1; font-size: .9rem; overflow-wrap: anywhere; }
.brand { font-weight: 700; color: #fff; text-decoration: none; letter-spacing: .02em; }
.brand span { color: #fb923c; }
.who { display: flex; flex-wrap: wrap; align-items: center; gap: .5rem .75rem; font-size: .9rem; color: #d6dce1; }
.who form { margin: 0; }
.switcher { display: flex; align-items: center; gap: .4rem; }
.switcher select { max-width: 20rem; }
.topbar .button { background: transparent; color: #fff; border-color: #6b7780; }
.topbar .button:hover { background: #2f383e; }
.topbar label { color: #d6dce1; }
.topbar select { background: #2a3237; color: #fff; border-color: #6b7780; }

.tabs { background: var(--card); border-bottom: 1px solid var(--line); }
.tabs ul { max-width: 1200px; margin: 0 auto; padding: 0 1.25rem; display: flex; gap: .25rem; list-style: none; overflow-x: auto; }
.tabs a { display: block; padding: .8rem .9rem .7rem; color: var(--muted); text-decoration: none; font-weight: 600; border-bottom: 3px solid transparent; white-space: nowrap; }
.tabs a:hover { color: var(--ink); }
.tabs a[aria-current="page"] { color: var(--ink); border-bottom-color: var(--accent); }

main { max-width: 1200px; margin: 0 auto; padding: 1.5rem 1.25rem 3rem; }
.page-head { display: flex; flex-wrap: wrap; align-items: flex-end; justify-content: space-between; gap: 1rem; margin-bottom: 1rem; }
.page-head p { color: var(--muted); max-width: 44rem; margin: 0; }
.page-head form { margin: 0; }
section.block { background: var(--card); border: 1px solid var(--line); border-radius: var(--radius); padding: 1.25rem; margin: 0 0 1.25rem; }
section.block > h2 { display: flex; align-items: center; gap: .5rem; }
.hint { color: var(--muted); font-size: .9rem; }

/* Buttons and fields */
.button { display: inline-flex; align-items: center; justify-content: center; gap: .35rem; min-height: 2.25rem; padding: .4rem .9rem; border: 1px solid #b9c2c9; border-radius: 6px; background: #fff; color: var(--ink); font: inherit; font-weight: 600; line-height: 1.2; cursor: pointer; text-decoration: none; white-space: nowrap; }
.button:hover { background: #f1f4f6; }
.button-primary { background: var(--accent); border-color: var(--accent); color: #fff; }
.button-primary:hover { background: var(--accent-dark); border-color: var(--accent-dark); }
.button-danger { color: var(--danger); border-color: #e7b4ae; }
.button-danger:hover { background: var(--danger-soft); }
.button-danger-solid { background: var(--danger); border-color: var(--danger); color: #fff; }
.button-danger-solid:hover { background: #8f1c13; }
.button-small { min-height: 1.9rem; padding: .2rem .6rem; font-size: .85rem; }
.button-link { border: 0; background: none; color: #1d4ed8; padding: 0; min-height: 0; font-weight: 600; text-decoration: underline; }
.button-link:hover { background: none; }
label { font-weight: 600; }
input[type=text], input[type=password], input[type=email], input[type=search], input[type=date], select, textarea { font: inherit; padding: .45rem .6rem; border: 1px solid #aeb8c0; border-radius: 6px; background: #fff; color: var(--ink); min-height: 2.25rem; }
input[readonly] { background: #f7f9fa; }
.field { display: flex; flex-direction: column; gap: .3rem; margin-bottom: .9rem; }
.field input { width: 100%; }
.inline-form { display: flex; flex-wrap: wrap; align-items: flex-end; gap: .6rem; }
.inline-form .field { margin: 0; flex: 1 1 16rem; max-width: 26rem; }

/* Alerts */
.alert { border: 1px solid var(--info-line); background: var(--info-soft); border-radius: var(--radius); padding: .75rem 1rem; margin: 0 0 1rem; }
.alert strong { display: block; margin-bottom: .15rem; }
.alert p:last-child, .alert ul:last-child { margin-bottom: 0; }
.alert ul { margin: .25rem 0 0; padding-left: 1.2rem; }
.alert-success { border-color: #9fd5b0; background: var(--ok-soft); }
.alert-warning { border-color: var(--warn-line); background: var(--warn-soft); }
.alert-error { border-color: #f0a9a2; background: var(--danger-soft); }

/* The one-time secrets */
section.block.issued, div.block.issued { border: 2px solid var(--accent); background: var(--accent-soft); }
div.block.issued { padding: 1rem; margin: 1rem 0; border-radius: var(--radius); }
.issued .warning { font-weight: 600; color: var(--warn); }
.secret { display: grid; grid-template-columns: 7.5rem minmax(0, 1fr) auto; align-items: center; gap: .5rem; margin: .5rem 0; }
.secret input { width: 100%; font-family: var(--mono); font-size: .95rem; }
pre.snippet { background: #1d2327; color: #f3f5f7; padding: .8rem 1rem; border-radius: 6px; overflow-x: auto; font: .85rem/1.45 var(--mono); margin: .25rem 0 .5rem; white-space: pre; }
.snippet-head { display: flex; align-items: center; justify-content: space-between; gap: .5rem; margin-top: 1rem; }
.js-only { display: none; }
.js .js-only { display: inline-flex; }

/* Keys table */
table { width: 100%; border-collapse: collapse; }
th, td { text-align: left; padding: .6rem .6rem; border-bottom: 1px solid var(--line); vertical-align: top; }
th { font-size: .78rem; letter-spacing: .05em; text-transform: uppercase; color: var(--muted); font-weight: 700; }
tbody tr:last-child td { border-bottom: 0; }
td.key-name { font-weight: 600; overflow-wrap: break-word; min-width: 8rem; max-width: 16rem; }
td.public-key { font-family: var(--mono); font-size: .82rem; word-break: break-all; min-width: 11rem; }
td.when { white-space: nowrap; font-size: .9rem; }
td.when small, .stamp small { display: block; color: var(--muted); font-size: .8rem; }
.actions { display: flex; flex-wrap: wrap; gap: .35rem; align-items: flex-start; justify-content: flex-end; }
.actions form { margin: 0; }
.badge { display: inline-block; padding: .1rem .55rem; border-radius: 999px; font-size: .8rem; font-weight: 700; background: #eceff2; color: #46525b; white-space: nowrap; }
.badge-enabled, .badge-active { background: var(--ok-soft); color: var(--ok); }
.badge-disabled, .badge-expired, .badge-suspended { background: #eceff2; color: #46525b; }
.badge-expired, .badge-suspended { background: var(--danger-soft); color: var(--danger); }
.badge-expiring { background: var(--warn-soft); color: var(--warn); }
details.rename { display: inline-block; }
details.rename summary { list-style: none; cursor: pointer; }
details.rename summary::-webkit-details-marker { display: none; }
details.rename[open] summary { margin-bottom: .4rem; }
details.rename form { display: flex; flex-wrap: wrap; gap: .35rem; align-items: center; }
details.rename input { width: 12rem; }
.empty { text-align: center; color: var(--muted); padding: 1.5rem 1rem; }
dl.facts { display: grid; grid-template-columns: max-content 1fr; gap: .3rem 1rem; margin: 0 0 1rem; }
dl.facts dt { color: var(--muted); }
dl.facts dd { margin: 0; }

/* Sign-in */
.signin { max-width: 26rem; margin: 3rem auto; padding: 0 1rem; }
.signin .card { background: var(--card); border: 1px solid var(--line); border-radius: var(--radius); padding: 1.5rem; margin-bottom: 1rem; }
.signin h1 { margin-bottom: .25rem; }
.signin .card .button { width: 100%; margin-top: .25rem; }
.signin h2 { font-size: 1.05rem; margin-bottom: .25rem; }
.signin .brand-line { text-align: center; margin-bottom: 1.25rem; font-weight: 700; font-size: 1.1rem; }
.signin .brand-line span { color: var(--accent); }
.signin .after-form { margin: 1rem 0 0; }

dialog { border: 0; border-radius: var(--radius); padding: 1.25rem; max-width: min(28rem, calc(100vw - 2rem)); box-shadow: 0 10px 40px rgba(0, 0, 0, .3); }
dialog::backdrop { background: rgba(17, 24, 28, .55); }
.dialog-actions, .confirm-actions { display: flex; gap: .5rem; justify-content: flex-end; margin-top: 1rem; flex-wrap: wrap; }
.footer { color: var(--muted); font-size: .8rem; text-align: center; padding: 1rem; }

/* The operator's sections */
.opsnav { background: #2a3237; }
.opsnav ul { max-width: 1200px; margin: 0 auto; padding: 0 1.25rem; display: flex; gap: .25rem; list-style: none; overflow-x: auto; }
.opsnav a { display: block; padding: .55rem .8rem; color: #d6dce1; text-decoration: none; font-weight: 600; font-size: .92rem; border-bottom: 3px solid transparent; white-space: nowrap; }
.opsnav a:hover { color: #fff; }
.opsnav a[aria-current="page"] { color: #fff; border-bottom-color: #fb923c; }
.section-head { display: flex; flex-wrap: wrap; align-items: center; justify-content: space-between; gap: .5rem 1rem; margin-bottom: .5rem; }
.section-head h2 { margin: 0; display: flex; flex-wrap: wrap; align-items: center; gap: .5rem; }
form.search { display: flex; gap: .4rem; align-items: center; margin: 0; }
form.search input { width: 16rem; max-width: 100%; }
tr.attention td { background: var(--warn-soft); }
tr.attention td:first-child { box-shadow: inset 4px 0 0 var(--warn-line); }
.attention-note .badge { white-space: normal; }
small.reason, td small.hint { display: block; font-size: .82rem; color: var(--muted); }
small.reason { color: var(--danger); }
td.count { font-variant-numeric: tabular-nums; }
textarea { width: 100%; font-family: var(--mono); font-size: .92rem; line-height: 1.5; resize: vertical; }
.field.narrow { max-width: 24rem; }
.inline-form .field.wide { flex: 3 1 24rem; max-width: 44rem; }
.two-forms { display: flex; flex-wrap: wrap; align-items: flex-end; gap: .75rem 1.5rem; }
.two-forms form { margin: 0; }
.two-forms form.inline-form { flex: 1 1 28rem; max-width: 36rem; }
.two-forms .or { color: var(--muted); align-self: flex-end; padding-bottom: .45rem; }
.confirm-actions.start { justify-content: flex-start; }
.grant-form { margin-top: 1rem; }
ol.rules, ol.account-sources { margin: 0; padding-left: 1.4rem; }
.wrap-anywhere { overflow-wrap: anywhere; }
ol.rules li, ol.account-sources li { margin: 0 0 .1rem; }
code.takes-away { color: var(--danger); }
code.strong { font-weight: 700; }
.preview { margin-top: .25rem; }
.preview .preview-count { font-size: 1.05rem; }
ul.matches { columns: 3 14rem; margin: .25rem 0 .5rem; padding-left: 1.2rem; font-size: .9rem; }
ul.goes { margin: 0 0 1rem; padding-left: 1.2rem; }
ul.goes li { margin-bottom: .25rem; }
section.danger-zone { border-color: #f0a9a2; }
form.filters { display: grid; grid-template-columns: repeat(auto-fit, minmax(11rem, 1fr)); gap: .6rem .9rem; align-items: end; }
form.filters .field { margin: 0; }
form.filters .field input, form.filters .field select { width: 100%; }
.filter-buttons { display: flex; gap: .4rem; }
.pager { display: flex; gap: .5rem; justify-content: flex-end; margin-top: .75rem; }
table.events td.public-key a { color: inherit; }

@media (min-width: 960px) {
  .actions { flex-wrap: nowrap; }
  td.public-key { white-space: nowrap; word-break: normal; }
}

/* Phones: tables become stacked cards, labels come from data-label. */
@media (max-width: 720px) {
  main { padding: 1rem .75rem 2rem; }
  section.block { padding: 1rem; }
  .topbar-inner { padding: .6rem .75rem; }
  .secret { grid-template-columns: 1fr auto; }
  .secret label { grid-column: 1 / -1; }
  table.stack thead { position: absolute; width: 1px; height: 1px; overflow: hidden; clip: rect(0 0 0 0); }
  table.stack, table.stack tbody, table.stack tr, table.stack td { display: block; width: 100%; max-width: none; }
  table.stack tr { border: 1px solid var(--line); border-radius: var(--radius); padding: .5rem .75rem; margin-bottom: .75rem; background: #fff; }
  table.stack td { border: 0; padding: .3rem 0; display: grid; grid-template-columns: 6.5rem minmax(0, 1fr); gap: .5rem; justify-items: start; align-items: baseline; }
  table.stack td > * { max-width: 100%; }
  .actions { justify-content: flex-start; }
  .secret input { font-size: .8rem; padding: .45rem .4rem; }
  table.stack td::before { content: attr(data-label); color: var(--muted); font-size: .8rem; font-weight: 700; text-transform: uppercase; letter-spacing: .04em; }
  table.stack td.key-name { font-size: 1.05rem; }
  .page-head { align-items: stretch; }
  .page-head form, .page-head .button { width: 100%; }
  details.rename input { width: 100%; }
  .opsnav ul { padding: 0 .5rem; gap: 0; }
  .opsnav a { padding: .55rem .4rem; font-size: .88rem; }
  .who { flex: 1 1 100%; min-width: 0; }
  table.stack td:empty { display: none; }
  .two-forms .or { align-self: flex-start; }
  .switcher { width: 100%; }
  .switcher select { flex: 1 1 auto; min-width: 0; max-width: none; }
  .section-head, form.search { width: 100%; }
  form.search input { flex: 1 1 auto; width: auto; }
  tr.attention { border-color: var(--warn-line); background: var(--warn-soft); }
  tr.attention td { background: transparent; box-shadow: none; }
  tr.attention td:first-child { box-shadow: none; }
  .two-forms, .two-forms form, .two-forms .button { width: 100%; }
  .inline-form .button { width: 100%; }
}
`;
