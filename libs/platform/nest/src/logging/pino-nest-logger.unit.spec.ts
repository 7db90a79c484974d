import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { createLogger } from '@ringback/observability';
import { PinoNestLogger } from './pino-nest-logger';

function capture() {
  const lines: string[] = [];
  const logger = new PinoNestLogger(
    createLogger({ service: 's', level: 'trace', destination: { write: (s: string) => void lines.push(s) } }),
  );
  return { logger, parsed: () => lines.map((l) => JSON.parse(l) as Record<string, unknown>) };
}

describe('PinoNestLogger', () => {
  it('writes Nest messages as JSON with their context, startup chatter at debug', () => {
    const { logger, parsed } = capture();
    logger.log('Mapped {/healthz, GET} route', 'RouterExplorer');
    logger.log('consumer started', 'TriageConsumer');
    logger.warn('slow', 'Bus');
    const [chatter, info, warn] = parsed();
    assert.deepEqual([chatter?.['level'], chatter?.['context']], ['debug', 'RouterExplorer']);
    assert.deepEqual([info?.['level'], info?.['msg']], ['info', 'consumer started']);
    assert.equal(warn?.['level'], 'warn');
  });

  it('keeps the stack Nest passes to error() and scrubs phone numbers', () => {
    const { logger, parsed } = capture();
    logger.error('dial +13035550101 failed', 'Error: x\n    at y', 'Dialer');
    logger.error(new Error('boom'));
    const [withStack, fromError] = parsed();
    assert.equal(withStack?.['context'], 'Dialer');
    assert.match(String(withStack?.['stack']), /at y/);
    assert.doesNotMatch(JSON.stringify(withStack), /3035550101/);
    assert.equal((fromError?.['err'] as Record<string, unknown>)['message'], 'boom');
  });
});
