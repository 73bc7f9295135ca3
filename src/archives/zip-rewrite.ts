import { crc32, inflateRawSync } from 'node:zlib';

/** One file of a zip archive, as its central directory lists it. */
interface ZipEntry {
  readonly name: string;
  /** Offset of its central directory record. */
  readonly central: number;
  /** Offset of its local header. */
  readonly local: number;
  readonly flags: number;
  readonly method: number;
  readonly compressedSize: number;
}

const eocdSignature = 0x06054b50;
const centralSignature = 0x02014b50;
const localSignature = 0x04034b50;
const zip64LocatorSignature = 0x07064b50;

/**
 * The zip archive `zip` with the contents of one file replaced, every other byte as it was: the other
 * files' records are copied unchanged, the replaced file is written uncompressed (method 0, so the
 * result depends on nothing but its inputs) and the offsets after it are moved. `pick` chooses the
 * file from the archive's file names; `transform` gets its text and returns the new text, or
 * undefined to leave the archive alone.
 *
 * Undefined when nothing changed, or when the archive is of a kind this does not rewrite (Zip64,
 * encrypted, unreadable): the caller serves it as it is.
 */
export function rewriteZipEntry(
  zip: Buffer,
  pick: (names: readonly string[]) => string | undefined,
  transform: (text: string) => string | undefined,
): Buffer | undefined {
  const found = findEntry(zip, pick);
  if (!found) return undefined;
  const { entries, target, dataStart, text } = found;
  const changed = transform(text);
  if (changed === undefined || changed === text) return undefined;
  const data = Buffer.from(changed, 'utf8');
  const crc = crc32(data);

  // The replaced file's record ends where the next record (or the central directory) starts, so
  // that a data descriptor after its data goes with it.
  const starts = entries.list.map((e) => e.local).filter((offset) => offset > target.local);
  const recordEnd = Math.min(entries.centralOffset, ...starts);
  const header = Buffer.from(zip.subarray(target.local, dataStart));
  header.writeUInt16LE(target.flags & ~0x8, 6); // sizes and crc in the header: no data descriptor
  header.writeUInt16LE(0, 8);
  header.writeUInt32LE(crc, 14);
  header.writeUInt32LE(data.length, 18);
  header.writeUInt32LE(data.length, 22);
  const record = Buffer.concat([header, data]);
  const delta = record.length - (recordEnd - target.local);

  const central = Buffer.from(zip.subarray(entries.centralOffset, entries.centralOffset + entries.centralSize));
  for (const entry of entries.list) {
    const at = entry.central - entries.centralOffset;
    if (entry === target) {
      central.writeUInt16LE(target.flags & ~0x8, at + 8);
      central.writeUInt16LE(0, at + 10);
      central.writeUInt32LE(crc, at + 16);
      central.writeUInt32LE(data.length, at + 20);
      central.writeUInt32LE(data.length, at + 24);
    }
    if (entry.local > target.local) central.writeUInt32LE(entry.local + delta, at + 42);
  }
  const end = Buffer.from(zip.subarray(entries.eocd));
  end.writeUInt32LE(entries.centralOffset + delta, 16);
  return Buffer.concat([
    zip.subarray(0, target.local),
    record,
    zip.subarray(recordEnd, entries.centralOffset),
    central,
    zip.subarray(entries.centralOffset + entries.centralSize, entries.eocd),
    end,
  ]);
}

/** The text of the file `pick` chooses in the zip archive `zip`; undefined as for {@link rewriteZipEntry}. */
export function readZipEntry(zip: Buffer, pick: (names: readonly string[]) => string | undefined): string | undefined {
  return findEntry(zip, pick)?.text;
}

type CentralDirectory = NonNullable<ReturnType<typeof readCentralDirectory>>;

function findEntry(zip: Buffer, pick: (names: readonly string[]) => string | undefined): { entries: CentralDirectory; target: ZipEntry; dataStart: number; text: string } | undefined {
  const entries = readCentralDirectory(zip);
  if (!entries) return undefined;
  const name = pick(entries.list.map((e) => e.name));
  const target = entries.list.find((e) => e.name === name);
  if (!target || (target.flags & 0x1) !== 0 || (target.method !== 0 && target.method !== 8)) return undefined;
  if (target.local + 30 > entries.centralOffset || zip.readUInt32LE(target.local) !== localSignature) return undefined;
  const dataStart = target.local + 30 + zip.readUInt16LE(target.local + 26) + zip.readUInt16LE(target.local + 28);
  if (dataStart + target.compressedSize > entries.centralOffset) return undefined;
  const stored = zip.subarray(dataStart, dataStart + target.compressedSize);
  try {
    return { entries, target, dataStart, text: (target.method === 8 ? inflateRawSync(stored) : stored).toString('utf8') };
  } catch {
    return undefined;
  }
}

function readCentralDirectory(zip: Buffer): { list: ZipEntry[]; centralOffset: number; centralSize: number; eocd: number } | undefined {
  // The end-of-central-directory record: 22 bytes plus a comment of up to 65535.
  let eocd = -1;
  for (let i = zip.length - 22; i >= Math.max(0, zip.length - 22 - 0xffff); i--) {
    if (zip.readUInt32LE(i) === eocdSignature && i + 22 + zip.readUInt16LE(i + 20) === zip.length) {
      eocd = i;
      break;
    }
  }
  if (eocd < 0) return undefined;
  if (eocd >= 20 && zip.readUInt32LE(eocd - 20) === zip64LocatorSignature) return undefined;
  const count = zip.readUInt16LE(eocd + 10);
  const centralSize = zip.readUInt32LE(eocd + 12);
  const centralOffset = zip.readUInt32LE(eocd + 16);
  if (zip.readUInt16LE(eocd + 4) !== 0 || count === 0xffff || centralOffset === 0xffffffff) return undefined;
  if (centralOffset + centralSize > eocd) return undefined;
  const list: ZipEntry[] = [];
  let at = centralOffset;
  for (let i = 0; i < count; i++) {
    if (at + 46 > eocd || zip.readUInt32LE(at) !== centralSignature) return undefined;
    const nameLength = zip.readUInt16LE(at + 28);
    const extraLength = zip.readUInt16LE(at + 30);
    const commentLength = zip.readUInt16LE(at + 32);
    const compressedSize = zip.readUInt32LE(at + 20);
    const local = zip.readUInt32LE(at + 42);
    if (compressedSize === 0xffffffff || local === 0xffffffff || local >= centralOffset) return undefined;
    list.push({
      name: zip.toString('utf8', at + 46, at + 46 + nameLength),
      central: at,
      local,
      flags: zip.readUInt16LE(at + 8),
      method: zip.readUInt16LE(at + 10),
      compressedSize,
    });
    at += 46 + nameLength + extraLength + commentLength;
  }
  return { list, centralOffset, centralSize, eocd };
}
