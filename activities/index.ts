/**
 * Every activity the worker registers. Workflows import the {@link Activities} type only.
 */
import { makeNotify, type NotifyConfig } from './notify';
import { shellTask } from './shell';
import { httpTask } from './http';
import { simulateTask } from './simulate';
import { verifyDecisionSignature } from './verify-signature';

/** Worker-side settings for activities. */
export interface ActivityConfig {
  /** Where run events are POSTed; unset: nowhere. */
  webhookUrl?: string | undefined;
  /** Links and approval-link signing of notifications (public API URL, Temporal UI, link secret). */
  notify?: Omit<NotifyConfig, 'webhookUrl'>;
}

/** Where this worker sends run events besides a plan's own targets. */
export interface NotificationSinks {
  /** `PHASEGATE_WEBHOOK_URL` is set: every event goes there. */
  webhook: boolean;
}

/** Creates the activity implementations. One activity per executor kind, plus `notify`. */
export function createActivities(config: ActivityConfig = {}) {
  return {
    shellTask,
    httpTask,
    simulateTask,
    notify: makeNotify({ ...config.notify, ...(config.webhookUrl ? { webhookUrl: config.webhookUrl } : {}) }),
    // Local activity: runs skip events nobody receives (see workflows/phase/notifications.ts).
    notificationSinks: async (): Promise<NotificationSinks> => ({ webhook: Boolean(config.webhookUrl) }),
    // Run as a local activity by runs whose Signal decisions must be signed.
    verifyDecisionSignature,
  };
}

/** The activity interface, for `proxyActivities<Activities>()` in workflow code. */
export type Activities = ReturnType<typeof createActivities>;
