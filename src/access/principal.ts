import { BlockList, isIPv4 } from 'node:net';
import type { PackageRule } from '../registry/rules.js';

export interface CompiledGrant {
  readonly entitlement: string;
  readonly expiresOn: string | null;
  readonly rules: readonly PackageRule[];
}

/** A verified key with everything needed to decide access without touching the database. */
export interface Principal {
  readonly publicKey: string;
  readonly keyName: string;
  readonly accountId: string;
  readonly accountStatus: 'active' | 'suspended';
  readonly suspensionReason: string | null;
  readonly keyStatus: 'enabled' | 'disabled';
  readonly keyExpiresOn: string | null;
  readonly networks: BlockList | null;
  /** The networks as written (`address/prefix`), for explanations; null: any address. */
  readonly cidrs: readonly string[] | null;
  readonly grants: readonly CompiledGrant[];
  readonly scope: readonly PackageRule[] | null;
  /** The sources the account reads, in order (`["default"]` unless set otherwise). */
  readonly sources: readonly string[];
  /** `sources.join(',')`: one string to key what depends on the list (caches, renderings). */
  readonly sourcesKey: string;
}

/** `::ffff:10.0.0.1` → `10.0.0.1`, so IPv4 networks match clients on a dual-stack socket. */
export function normaliseAddress(address: string): string {
  if (address.startsWith('::ffff:')) {
    const v4 = address.slice(7);
    if (isIPv4(v4)) return v4;
  }
  return address;
}

export function compileNetworks(cidrs: readonly string[] | null): BlockList | null {
  if (!cidrs || cidrs.length === 0) return null;
  const list = new BlockList();
  for (const cidr of cidrs) {
    const [address = '', prefix = '0'] = cidr.split('/');
    const type = isIPv4(address) ? 'ipv4' : 'ipv6';
    list.addSubnet(address, Number(prefix), type);
  }
  return list;
}

export function addressAllowed(networks: BlockList | null, address: string): boolean {
  if (networks === null) return true;
  const normalised = normaliseAddress(address);
  return networks.check(normalised, isIPv4(normalised) ? 'ipv4' : 'ipv6');
}
