// What a file must contain after every operation so far: bytes and size, kept in memory. Invariant:
// every byte at or beyond `size` is 0, so growing the file (truncate up, a write past the end) shows
// zeros in the gap without extra work.

export class FileModel {
  private readonly bytes: Buffer;
  private sizeNow = 0;

  constructor(readonly capacity: number) {
    this.bytes = Buffer.alloc(capacity);
  }

  get size(): number {
    return this.sizeNow;
  }

  private room(end: number): void {
    if (end > this.capacity) throw new RangeError(`model: offset ${end} beyond the model's capacity ${this.capacity}`);
  }

  write(offset: number, data: Buffer): void {
    this.room(offset + data.length);
    data.copy(this.bytes, offset);
    this.sizeNow = Math.max(this.sizeNow, offset + data.length);
  }

  truncate(size: number): void {
    this.room(size);
    if (size < this.sizeNow) this.bytes.fill(0, size, this.sizeNow);
    this.sizeNow = size;
  }

  /** Zeros [offset, offset+length); grows the size to the end unless keepSize. */
  zero(offset: number, length: number, keepSize: boolean): void {
    const end = keepSize ? Math.min(offset + length, this.sizeNow) : offset + length;
    this.room(end);
    if (end > offset) this.bytes.fill(0, offset, end);
    if (!keepSize) this.sizeNow = Math.max(this.sizeNow, end);
  }

  /** fallocate without KEEP_SIZE: the size grows, the content does not change. */
  grow(size: number): void {
    this.room(size);
    this.sizeNow = Math.max(this.sizeNow, size);
  }

  /** How many bytes a read of `length` at `offset` must return. */
  readable(offset: number, length: number): number {
    return Math.max(0, Math.min(length, this.sizeNow - offset));
  }

  /** A copy of what a read must return (already cut at the end of the file). */
  read(offset: number, length: number): Buffer {
    const n = this.readable(offset, length);
    return Buffer.from(this.bytes.subarray(offset, offset + n));
  }
}
