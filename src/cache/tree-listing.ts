// A find(1) listing of a tree kept as find wrote it: one Buffer, outside the JS heap, with typed
// arrays saying where each entry's facts and path are and an index of the paths by hash. A
// Debian build directory has 15,000 to 25,000 entries and a build holds up to three listings at
// once: as Maps of strings, three of 15,500 entries grew the builder's Node process by 39 MB
// (the strings, the copies made on the way to them and the young generation grown to hold
// them, which it keeps), and a cold build's peak by 50 MB; as listings, by 12 MB.
//
// An entry is two NUL-terminated fields, "DEVICE FACTS" and the path (which may hold any byte but
// NUL). Paths are compared as bytes and decoded only for the caller.

/** FNV-1a over a path's bytes: spreads the paths for the index, equality is decided by bytes. */
function hashOf(buf: Buffer, start: number, end: number): number {
  let hash = 0x811c9dc5
  for (let i = start; i < end; i++) hash = Math.imul(hash ^ (buf[i] ?? 0), 0x01000193)
  return hash >>> 0
}

const at = (array: Uint32Array, i: number): number => array[i] ?? 0

export class TreeListing {
  readonly #buf: Buffer
  /** Per entry: where its facts begin (after the device), where they end, where its path ends. */
  readonly #factsStart: Uint32Array
  readonly #factsEnd: Uint32Array
  readonly #pathEnd: Uint32Array
  /** Entry numbers ordered by the hash of their path, and those hashes in that order. */
  readonly #byHash: Uint32Array
  readonly #sortedHashes: Uint32Array

  /** `buf` is find's output; entries on another device than the first (mount points) are left out. */
  constructor(buf: Buffer) {
    this.#buf = buf
    const fields = countNuls(buf)
    const factsStart = new Uint32Array(fields >> 1)
    const factsEnd = new Uint32Array(fields >> 1)
    const pathEnd = new Uint32Array(fields >> 1)
    const topEnd = buf.indexOf(0x20)
    let size = 0
    for (let pos = 0; pos < buf.length;) {
      const factsNul = buf.indexOf(0, pos)
      const pathNul = factsNul < 0 ? -1 : buf.indexOf(0, factsNul + 1)
      if (pathNul < 0) break
      const deviceEnd = buf.indexOf(0x20, pos)
      // A mount point of another filesystem (/proc, /dev in an open chroot): not the tree's.
      if (buf.compare(buf, 0, topEnd, pos, deviceEnd) === 0) {
        factsStart[size] = deviceEnd + 1
        factsEnd[size] = factsNul
        pathEnd[size] = pathNul
        size++
      }
      pos = pathNul + 1
    }
    this.#factsStart = factsStart.subarray(0, size)
    this.#factsEnd = factsEnd.subarray(0, size)
    this.#pathEnd = pathEnd.subarray(0, size)
    const hashes = new Uint32Array(size)
    for (let i = 0; i < size; i++) hashes[i] = hashOf(buf, this.#pathStart(i), at(pathEnd, i))
    const byHash = new Uint32Array(size)
    for (let i = 0; i < size; i++) byHash[i] = i
    byHash.sort((a, b) => at(hashes, a) - at(hashes, b))
    this.#byHash = byHash
    this.#sortedHashes = byHash.map((i) => at(hashes, i))
  }

  get size(): number {
    return this.#factsStart.length
  }

  #pathStart(i: number): number {
    return at(this.#factsEnd, i) + 1
  }

  /** Entry `i`'s path, relative to the tree ("" for the tree's directory itself). */
  path(i: number): string {
    return this.#buf.toString('utf8', this.#pathStart(i), at(this.#pathEnd, i))
  }

  /** The entry of `other` (entry `j`) with the same path in this listing, or -1. */
  find(other: TreeListing, j: number): number {
    const buf = other.#buf
    const start = other.#pathStart(j)
    const end = at(other.#pathEnd, j)
    const hash = hashOf(buf, start, end)
    for (
      let k = this.#firstWithHash(hash);
      k < this.size && at(this.#sortedHashes, k) === hash;
      k++
    ) {
      const i = at(this.#byHash, k)
      if (buf.compare(this.#buf, this.#pathStart(i), at(this.#pathEnd, i), start, end) === 0)
        return i
    }
    return -1
  }

  #firstWithHash(hash: number): number {
    let low = 0
    let high = this.size
    while (low < high) {
      const mid = (low + high) >>> 1
      if (at(this.#sortedHashes, mid) < hash) low = mid + 1
      else high = mid
    }
    return low
  }

  /** Whether entry `i` here and entry `j` of `other` have the same facts; the ctime too unless told. */
  sameFacts(i: number, other: TreeListing, j: number, ctimeToo: boolean): boolean {
    const end = ctimeToo ? at(this.#factsEnd, i) : this.#ctimeStart(i) - 1
    const otherEnd = ctimeToo ? at(other.#factsEnd, j) : other.#ctimeStart(j) - 1
    return (
      other.#buf.compare(
        this.#buf,
        at(this.#factsStart, i),
        end,
        at(other.#factsStart, j),
        otherEnd,
      ) === 0
    )
  }

  /** Where entry `i`'s ctime begins: the facts end "mtime|ctime". */
  #ctimeStart(i: number): number {
    return this.#buf.lastIndexOf(0x7c, at(this.#factsEnd, i)) + 1
  }

  /** Whether entry `i`'s ctime (find's "%C@": seconds, a dot, ten digits) is `since` or later. */
  changedSince(i: number, since: { readonly seconds: number; readonly nanos: number }): boolean {
    const buf = this.#buf
    const end = at(this.#factsEnd, i)
    let pos = this.#ctimeStart(i)
    let seconds = 0
    for (; pos < end && buf[pos] !== 0x2e; pos++) seconds = seconds * 10 + (buf[pos] ?? 0x30) - 0x30
    let nanos = 0
    for (let digit = 0, p = pos + 1; digit < 9; digit++, p++)
      nanos = nanos * 10 + (p < end ? (buf[p] ?? 0x30) - 0x30 : 0)
    return seconds > since.seconds || (seconds === since.seconds && nanos >= since.nanos)
  }
}

function countNuls(buf: Buffer): number {
  let count = 0
  for (let pos = buf.indexOf(0); pos >= 0; pos = buf.indexOf(0, pos + 1)) count++
  return count
}
