// Pure: how the rebuild benchmark copies recorded events (bench/sut/rebuild-host.ts).

const UUID = /[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}/g;
const US_NUMBER = /\+1(\d{3})(\d{7})/g;

/**
 * Copy `k` of a recorded event's text: every UUID gets new node bits (version and variant kept, so
 * still a valid UUIDv7, time order kept) and every +1 number a new area code (400-899; every 500
 * copies the exchange moves on by one), so each copy is a new set of tasks and caller lines with the
 * same shape as the recorded ones.
 */
export function cloneText(text: string, k: number): string {
  return text
    .replace(UUID, (u) => {
      const node = (BigInt(`0x${u.slice(24)}`) + BigInt(k) * 0x9e3779b97n) & 0xffffffffffffn;
      return `${u.slice(0, 24)}${node.toString(16).padStart(12, '0')}`;
    })
    .replace(US_NUMBER, (_m, _area: string, rest: string) => {
      const exchange = (Number(rest.slice(0, 3)) + Math.floor(k / 500)) % 1000;
      return `+1${400 + (k % 500)}${String(exchange).padStart(3, '0')}${rest.slice(3)}`;
    });
}
