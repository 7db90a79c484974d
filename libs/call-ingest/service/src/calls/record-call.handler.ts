import { Inject, Injectable } from '@nestjs/common';
import {
  callerLineDecider,
  normalizePhoneNumber,
  taskForProviderCall,
  type EnvelopeStamp,
} from '@ringback/call-ingest-domain';
import { ringbackEventRegistry, type CallIntent, type ContactChannel } from '@ringback/contracts';
import { CLOCK, ID_GENERATOR, toIso, type Clock, type IdGenerator } from '@ringback/kernel';
import { ApiError, RequestValidationError } from '@ringback/nest-platform';
import { currentTraceparent } from '@ringback/observability';
import { EVENT_STORE, handleCommand, type EventStore } from '@ringback/platform-core';
import type { CountryCode } from 'libphonenumber-js';
import { locationNotFound } from '../locations/configure-location.http.controller';
import { LocationsReadModel } from '../locations/locations.read-model';
import type { LocationView } from '../locations/location.views';
import { CallerLines } from './caller-lines';

/** What every call webhook carries, already validated (times in UTC `Z`). */
export interface CallFacts {
  providerCallId: string;
  locationId: string;
  /** As the provider sent it; normalised here. */
  from: string;
  occurredAt: string;
  correlationId: string;
}

/** A missed call, voicemail or callback request. */
export interface ContactFacts extends CallFacts {
  channel: ContactChannel;
  callerName: string | null;
  intent: CallIntent | null;
  transcript: string | null;
  preferredWindow: { start: string; end: string } | null;
  language: string | null;
  notes: string | null;
}

export interface AnsweredFacts extends CallFacts {
  durationSeconds: number | null;
}

/**
 * The country a location's local numbers are read in. Locations carry no country yet, so every
 * one is in the US; a `country` on the location (ISO 3166 alpha-2) would take precedence.
 */
export function countryOfLocation(location: LocationView): CountryCode {
  const country = (location as LocationView & { country?: unknown }).country;
  return typeof country === 'string' && /^[A-Z]{2}$/.test(country) ? (country as CountryCode) : 'US';
}

const notAPhoneNumber = (): RequestValidationError =>
  new RequestValidationError([
    { field: 'from', in: 'body', code: 'invalid_phone_number', message: 'not a possible phone number' },
  ]);

/**
 * Records call webhooks on the caller line (`call-<locationId>.<digits>`): resolves the location
 * (404 `location_not_found`), normalises the caller to E.164 (400 on `from`), then runs the
 * caller-line decider with optimistic concurrency. A retried providerCallId appends nothing and
 * answers the task it was bound to; concurrent first deliveries race on the stream revision and the
 * loser re-decides against the winner's event, so one call never opens two tasks.
 */
@Injectable()
export class RecordCallHandler {
  private readonly registry = ringbackEventRegistry();

  constructor(
    @Inject(EVENT_STORE) private readonly store: EventStore,
    @Inject(LocationsReadModel) private readonly locations: LocationsReadModel,
    @Inject(CLOCK) private readonly clock: Clock,
    @Inject(ID_GENERATOR) private readonly ids: IdGenerator,
    @Inject(CallerLines) private readonly lines: CallerLines,
  ) {}

  /** Opens or joins the caller's task; answers its id. */
  async recordContact(facts: ContactFacts): Promise<{ taskId: string; appended: boolean }> {
    const { streamId, e164, stamp } = await this.prepare(facts);
    const result = await handleCommand({
      store: this.store,
      registry: this.registry,
      decider: callerLineDecider,
      streamId,
      command: {
        type: 'RecordInboundContact',
        stamp,
        newTaskId: this.ids.next(this.clock.now()),
        providerCallId: facts.providerCallId,
        channel: facts.channel,
        locationId: facts.locationId,
        from: e164,
        callerName: facts.callerName,
        intent: facts.intent,
        transcript: facts.transcript,
        preferredWindow: facts.preferredWindow,
        language: facts.language,
        notes: facts.notes,
      },
    });
    const taskId = taskForProviderCall(result.state, facts.providerCallId);
    if (typeof taskId !== 'string') {
      // The provider call id was recorded as an answered call on this line: it cannot open a task.
      throw new ApiError(
        409,
        'provider_call_conflict',
        `providerCallId ${facts.providerCallId} was already recorded as an answered call`,
        [{ providerCallId: facts.providerCallId }],
      );
    }
    return { taskId, appended: result.events.length > 0 };
  }

  /** Records a live-answered call (idempotent on providerCallId). */
  async recordAnswered(facts: AnsweredFacts): Promise<{ appended: boolean }> {
    const { streamId, e164, stamp } = await this.prepare(facts);
    const result = await handleCommand({
      store: this.store,
      registry: this.registry,
      decider: callerLineDecider,
      streamId,
      command: {
        type: 'RecordAnsweredCall',
        stamp,
        providerCallId: facts.providerCallId,
        locationId: facts.locationId,
        from: e164,
        durationSeconds: facts.durationSeconds,
      },
    });
    return { appended: result.events.length > 0 };
  }

  private async prepare(facts: CallFacts): Promise<{ streamId: string; e164: string; stamp: EnvelopeStamp }> {
    const location = await this.locations.get(facts.locationId);
    if (!location) throw locationNotFound(facts.locationId);
    const e164 = normalizePhoneNumber(facts.from, countryOfLocation(location));
    if (e164 === null) throw notAPhoneNumber();
    const streamId = await this.lines.lineFor(facts.locationId, e164, facts.providerCallId);
    const now = this.clock.now();
    return {
      streamId,
      e164,
      stamp: {
        eventId: this.ids.next(now),
        streamId,
        occurredAt: facts.occurredAt,
        recordedAt: toIso(now),
        correlationId: facts.correlationId,
        causationId: null,
        traceparent: currentTraceparent(),
      },
    };
  }
}
