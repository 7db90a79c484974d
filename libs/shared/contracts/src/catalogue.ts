import { EventRegistry, type EventDefinition } from './registry';
import { deadLetterTopicFor, topicForCategory } from './streams';
import { callEventDefinitions } from './events/call.events';
import { locationEventDefinitions } from './events/location.events';
import { taskEventDefinitions } from './events/task.events';
import { triagePolicyEventDefinitions } from './events/triage-policy.events';
import { slaEventDefinitions } from './events/sla.events';
import { coordinatorEventDefinitions } from './events/coordinator.events';
import { slaAlertEventDefinitions } from './events/sla-alert.events';
import { schedulingEventDefinitions } from './events/scheduling.events';
import { schedulingWorkflowEventDefinitions } from './events/scheduling-workflow.events';
import { reminderEventDefinitions } from './events/reminder.events';
import { callImportEventDefinitions } from './events/call-import.events';
import { taskViewEventDefinitions } from './views/task-view.message';
import { phiEventDefinitions } from './events/phi.events';

/**
 * Every event type Ringback publishes. Each service's contract module adds its definitions here as
 * it lands; the AsyncAPI document (asyncapi.yaml) is generated from this list.
 */
export const eventDefinitions: readonly EventDefinition[] = [
  ...callEventDefinitions,
  ...locationEventDefinitions,
  ...taskEventDefinitions,
  ...triagePolicyEventDefinitions,
  ...slaEventDefinitions,
  ...coordinatorEventDefinitions,
  ...slaAlertEventDefinitions,
  ...schedulingEventDefinitions,
  ...schedulingWorkflowEventDefinitions,
  ...reminderEventDefinitions,
  ...callImportEventDefinitions,
  ...taskViewEventDefinitions,
  ...phiEventDefinitions,
];

export const ringbackEventRegistry = (): EventRegistry => {
  const registry = new EventRegistry();
  for (const def of eventDefinitions) registry.register(def);
  return registry;
};

/**
 * Every topic the bus carries: one per stream category of {@link eventDefinitions} and its dead-letter
 * topic, sorted. What topic provisioning creates before any service starts.
 */
export const ringbackTopics = (): string[] =>
  [...new Set(eventDefinitions.map((d) => d.category))]
    .map(topicForCategory)
    .flatMap((topic) => [topic, deadLetterTopicFor(topic)])
    .sort();

/**
 * The stream categories whose events `producer` (a service, or `platform` for the PHI records) publishes:
 * what that service's store-to-bus relay owns in a distributed deployment, so every category has
 * exactly one relaying process. Sorted.
 */
export const categoriesProducedBy = (producer: string): string[] =>
  [...new Set(eventDefinitions.filter((d) => d.producer === producer).map((d) => d.category))].sort();
