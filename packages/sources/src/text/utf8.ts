// UTF-8 validation that says where the first bad byte is (TextDecoder's fatal
// mode only says that there is one).

function sequenceLength(lead: number): number {
  if (lead < 0x80) return 1
  if (lead >= 0xc2 && lead <= 0xdf) return 2
  if (lead >= 0xe0 && lead <= 0xef) return 3
  if (lead >= 0xf0 && lead <= 0xf4) return 4
  return 0
}

// Allowed range of the first continuation byte after each lead (no overlongs,
// no surrogates, nothing past U+10FFFF).
function secondByteRange(lead: number): [number, number] {
  if (lead === 0xe0) return [0xa0, 0xbf]
  if (lead === 0xed) return [0x80, 0x9f]
  if (lead === 0xf0) return [0x90, 0xbf]
  if (lead === 0xf4) return [0x80, 0x8f]
  return [0x80, 0xbf]
}

/**
 * Index of the first byte of `bytes` that is not part of valid UTF-8, or -1.
 * A sequence cut off by the end of `bytes` counts as invalid only when `final`.
 */
export function findInvalidUtf8(bytes: Uint8Array, final: boolean): number {
  let index = 0
  const length = bytes.length
  while (index < length) {
    const lead = bytes[index] as number
    if (lead < 0x80) {
      index++
      continue
    }
    const size = sequenceLength(lead)
    if (size === 0) return index
    const [low, high] = secondByteRange(lead)
    for (let offset = 1; offset < size; offset++) {
      if (index + offset >= length) return final ? index : -1
      const byte = bytes[index + offset] as number
      const [min, max] = offset === 1 ? [low, high] : [0x80, 0xbf]
      if (byte < min || byte > max) return index
    }
    index += size
  }
  return -1
}

/** How many bytes at the end of `bytes` start a UTF-8 sequence that the next chunk completes. */
export function incompleteTail(bytes: Uint8Array): number {
  for (let back = 1; back <= Math.min(3, bytes.length); back++) {
    const byte = bytes[bytes.length - back] as number
    if (byte < 0x80) return 0
    if (byte >= 0xc0) return sequenceLength(byte) > back ? back : 0
  }
  return 0
}
