/** 1000 → "1e3", 1000000 → "1e6"; other sizes as plain numbers. */
export function sizeLabel (size: number): string {
  const exponent = Math.log10(size)
  return Number.isInteger(exponent) ? `1e${exponent}` : size.toLocaleString('en-US')
}
