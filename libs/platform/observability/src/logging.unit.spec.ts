import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { PHONE_PLACEHOLDER, REDACTED, createLogger, scrubPhoneNumbers } from './logging';

function capture(level = 'trace') {
  const lines: string[] = [];
  const logger = createLogger({
    service: 'test-svc',
    level,
    destination: { write: (s: string) => void lines.push(s) },
  });
  return { logger, lines, parsed: () => lines.map((l) => JSON.parse(l) as Record<string, unknown>) };
}

const phi = {
  callerName: 'Dana Reyes',
  from: '+1 303 555 0101',
  to: '+13035550199',
  phone: '(720) 555-0142',
  transcript: 'I have chest pain since this morning',
  patientName: 'Jordan Q. Patient',
  notes: 'allergic to penicillin',
  email: 'dana.reyes@example.org',
  dateOfBirth: '1984-02-29',
};
const secrets = Object.values(phi);
const digitsOnly = ['3035550101', '3035550199', '7205550142'];

function assertNoPhi(output: string): void {
  for (const value of secrets)
    assert.ok(!output.includes(value), `log output leaked ${JSON.stringify(value)}:\n${output}`);
  for (const digits of digitsOnly) {
    assert.ok(!output.replace(/\D/g, ' ').includes(digits), `log output leaked ${digits}:\n${output}`);
  }
}

describe('createLogger', () => {
  it('writes JSON lines with service, level label and time', () => {
    const { logger, parsed } = capture();
    logger.info({ taskId: 't-1' }, 'task opened');
    const [line] = parsed();
    assert.equal(line?.['service'], 'test-svc');
    assert.equal(line?.['level'], 'info');
    assert.equal(line?.['msg'], 'task opened');
    assert.equal(line?.['taskId'], 't-1');
    assert.match(String(line?.['time']), /^\d{4}-\d\d-\d\dT/);
  });

  it('redacts PHI fields at the top level and nested anywhere', () => {
    const { logger, lines, parsed } = capture();
    logger.info({ ...phi, locationId: 'aurora' }, 'top level');
    logger.info({ call: { ...phi } }, 'one level');
    logger.info({ event: { data: { ...phi } } }, 'two levels');
    logger.info({ a: { b: { c: { d: { e: { f: { ...phi } } } } } } }, 'deeper than the redact paths');
    logger.info({ calls: [{ ...phi }, { caller: { ...phi } }] }, 'inside arrays');
    const output = lines.join('');
    assertNoPhi(output);
    const [top, one] = parsed();
    assert.equal(top?.['callerName'], REDACTED);
    assert.equal(top?.['locationId'], 'aurora', 'non-PHI fields survive');
    assert.equal((one?.['call'] as Record<string, unknown>)['transcript'], REDACTED);
  });

  it('scrubs phone numbers from messages, interpolation arguments and string values', () => {
    const { logger, lines } = capture();
    logger.info(`missed call from ${phi.from} at aurora`);
    logger.warn('callback to %s failed', phi.to);
    logger.info({ reason: `caller ${phi.phone} hung up` }, 'attempt failed');
    logger.info('raw digits 3035550101 and 13035550199 in text');
    const output = lines.join('');
    assertNoPhi(output);
    assert.ok(output.includes(PHONE_PLACEHOLDER));
  });

  it('redacts PHI in child logger bindings', () => {
    const { logger, lines } = capture();
    logger.child({ callerName: phi.callerName, ctx: { from: phi.from } }).info('bound');
    assertNoPhi(lines.join(''));
  });

  it('serializes errors without the phone numbers in their message or stack', () => {
    const { logger, lines, parsed } = capture();
    logger.error({ err: new Error(`cannot dial ${phi.from}`) }, 'dial failed');
    logger.error(new Error(`no answer at ${phi.to}`));
    assertNoPhi(lines.join(''));
    const [line] = parsed();
    assert.equal((line?.['err'] as Record<string, unknown>)['type'], 'Error');
  });

  it('respects the level', () => {
    const { logger, lines } = capture('warn');
    logger.info('dropped');
    logger.warn('kept');
    assert.equal(lines.length, 1);
  });
});

describe('scrubPhoneNumbers', () => {
  it('removes E.164, NANP and bare-digit phone numbers', () => {
    for (const text of [
      '+1 303 555 0101',
      '+13035550101',
      '+44 (20) 7946-0958',
      '(303) 555-0101',
      '303-555-0101',
      '303.555.0101',
      '3035550101',
    ]) {
      assert.equal(scrubPhoneNumbers(`call ${text} now`), `call ${PHONE_PLACEHOLDER} now`, text);
    }
  });

  it('leaves ids, timestamps and small numbers alone', () => {
    for (const text of [
      '0193a2b4-7c1d-7e2f-8a3b-4c5d6e7f8091',
      '2026-11-23T11:50:00.000Z',
      'retry 3 of 5 after 250 ms',
      'traceparent 00-4bf92f3577b34da6a3ce929d0e0e4736-00f067aa0ba902b7-01',
      'providerCallId CA9f1234567890',
    ]) {
      assert.equal(scrubPhoneNumbers(text), text);
    }
  });
});
