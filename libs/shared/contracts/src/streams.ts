/** `task-0193…` -> `task`. Category streams follow the KurrentDB `$ce-` convention. */
export function categoryOf(streamId: string): string {
  const dash = streamId.indexOf('-');
  return dash < 0 ? streamId : streamId.slice(0, dash);
}

export const streamIdOf = (category: string, id: string): string => `${category}-${id}`;

/** Bus topic that carries every event of one stream category. Keyed by stream id for per-stream order. */
export const topicForCategory = (category: string): string => `ringback.${category}.events`;

/** Where messages go after exhausting their retries. */
export const deadLetterTopicFor = (topic: string): string => `${topic}.dlq`;
