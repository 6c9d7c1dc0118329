// The Plannr CRM simulator: an in-memory firm seeded from the shared world, served over node:http
// by the common SandboxServer (faults, request log, control API), with Plannr's auth (personal
// tokens and OAuth2, `sim.oauth`), rate limit, envelopes, case rules and signed webhook deliveries
// (`sim.webhooks`) (reference plannr-api.md). Tests and the demo also reach into it directly, as "a
// user editing in the Plannr UI": every such edit bumps `updated_at` and fires webhooks like an API
// write.
import { SandboxServer, type Route } from "../http-server.js";
import { AnswerGaps } from "./answer-gaps.js";
import { createRng, type World } from "../world.js";
import { caseRoutes } from "./case-routes.js";
import { PlannrCatalog } from "./catalog.js";
import { PlannrGate } from "./gate.js";
import { PlannrOAuth, type PlannrOAuthOptions } from "./oauth.js";
import { oauthControlRoutes, oauthRoutes } from "./oauth-routes.js";
import { RateWindow } from "./rate-window.js";
import { referenceRoutes } from "./reference-routes.js";
import { formatLondon } from "./london-time.js";
import { serializeCase } from "./serialize.js";
import { CaseStore, type CaseChanges, type FieldValue, type NewCase, type SimPlannrCase } from "./state.js";
import { PlannrValidationError } from "./validation.js";
import type { WebhookBodyShape } from "./webhook-body.js";
import type { WebhookDispatchOptions } from "./webhook-dispatch.js";
import { webhookControlRoutes, webhookRoutes } from "./webhook-routes.js";
import { SubscriptionStore } from "./webhook-subscriptions.js";
import { PlannrWebhooks } from "./webhooks.js";

export type { SimPlannrCase, FieldValue } from "./state.js";
export { PlannrValidationError } from "./validation.js";
export type { OAuthTokenSet, PlannrOAuthOptions } from "./oauth.js";
export type { PlannrOAuth } from "./oauth.js";
export type { DeliveryCounters, DeliveryFaultKind, DeliveryFaultRule, DeliveryRecord, DeliveryStatus, PlannrWebhooks, SimSubscription, WebhookBodyShape, WebhookDispatchOptions } from "./webhooks.js";

export interface PlannrSimulatorOptions {
  world: World;
  /** Requests allowed per window per token (default 500) and the window (default 60_000 ms). */
  rateLimit?: { limit: number; windowMs: number };
  /** Clock for created_at/updated_at and token expiry (default: real time). */
  now?: () => Date;
  /** How webhook deliveries are shaped (default `data`: `{event, data: {uuid, ...}, sent_at}`). */
  webhookBodyShape?: WebhookBodyShape;
  /** Webhook retries, timeout and delivery faults (also changeable later through `sim.webhooks`). */
  webhooks?: Omit<WebhookDispatchOptions, "bodyShape">;
  /** OAuth2 token lifetimes. */
  oauth?: PlannrOAuthOptions;
}

export interface PlannrCaseEdit {
  name: string;
  statusUuid: string;
  assignedToUuids: string[];
  reviewAt: string | null;
  value: number | null;
  customFields: Record<string, FieldValue>;
}

export interface PlannrCaseInput {
  name: string;
  participantUuids: string[];
  statusUuid?: string;
  typeUuid?: string | null;
  assignedToUuids?: string[];
  groupUuids?: string[];
  reviewAt?: string | null;
  value?: number | null;
  /** The UI, unlike the API's create, can fill custom fields at once. */
  customFields?: Record<string, FieldValue>;
}

const clone = (item: SimPlannrCase): SimPlannrCase => structuredClone(item);

export class PlannrSimulator {
  readonly server: SandboxServer;
  /** Test hook: case answers that lack an include (see answer-gaps.ts). */
  readonly answerGaps = new AnswerGaps();
  /** Webhook subscriptions, deliveries, their faults and settings. */
  readonly webhooks: PlannrWebhooks;
  /** The OAuth2 server: its client, token sets for tests, refresh counters. */
  readonly oauth: PlannrOAuth;
  private readonly catalog: PlannrCatalog;
  private readonly store: CaseStore;
  private readonly gate: PlannrGate;
  private answered = 0;

  constructor(options: PlannrSimulatorOptions) {
    const { world } = options;
    const rate = options.rateLimit ?? { limit: 500, windowMs: 60_000 };
    const now = options.now ?? (() => new Date());
    this.catalog = new PlannrCatalog(world);
    this.store = new CaseStore(this.catalog, world, now);
    this.oauth = new PlannrOAuth(world.seed, () => now().getTime(), options.oauth);
    this.gate = new PlannrGate(world.plannrAccountUuid, [world.plannrToken], new RateWindow(rate.limit, rate.windowMs), Date.now, this.oauth);
    const stamp = () => formatLondon(now().getTime());
    const subscriptions = new SubscriptionStore(createRng((world.seed ^ 0x3e_b0_0c) >>> 0), stamp);
    const noIncludes = new Set<never>();
    this.webhooks = new PlannrWebhooks(subscriptions, (change) => serializeCase(change.item, this.catalog, noIncludes), stamp, {
      ...options.webhooks,
      ...(options.webhookBodyShape === undefined ? {} : { bodyShape: options.webhookBodyShape }),
    });
    // API writes and "UI" edits alike reach the store, so every change fires its webhooks once.
    this.store.onChange((change) => this.webhooks.notify(change));
    const loginUuid = createRng((world.seed ^ 0x10_61_45) >>> 0).uuid();
    this.server = new SandboxServer({
      name: "plannr",
      routes: [...caseRoutes(this.store, this.catalog), ...referenceRoutes(this.catalog, loginUuid), ...webhookRoutes(subscriptions), ...oauthRoutes(this.oauth)],
      before: (request) => this.gate.check(request),
      decorate: (request, response) => {
        this.answered += 1;
        this.gate.decorate(request, response);
        this.answerGaps.apply(request, response);
      },
      controlRoutes: this.controlRoutes(),
    });
  }

  listen(port = 0): Promise<string> {
    return this.server.listen(port);
  }

  close(): Promise<void> {
    this.webhooks.close();
    return this.server.close();
  }

  /** Lets another token in (same user, same account), e.g. to test per-token rate limits. */
  addToken(token: string): void {
    this.gate.addToken(token);
  }

  getCase(uuid: string): SimPlannrCase | undefined {
    const found = this.store.get(uuid);
    return found ? clone(found) : undefined;
  }

  listCases(): SimPlannrCase[] {
    return this.store.list().map(clone);
  }

  /** Throws PlannrValidationError where the UI would refuse the edit, RangeError for an unknown case. */
  editCase(uuid: string, patch: Partial<PlannrCaseEdit>): void {
    const changes: CaseChanges = {};
    if (patch.name !== undefined) changes.name = patch.name;
    if (patch.statusUuid !== undefined) changes.statusUuid = patch.statusUuid;
    if (patch.assignedToUuids !== undefined) changes.assignedToUuids = patch.assignedToUuids;
    if (patch.reviewAt !== undefined) changes.reviewAt = patch.reviewAt;
    if (patch.value !== undefined) changes.value = patch.value;
    if (patch.customFields !== undefined) changes.customFields = patch.customFields;
    this.store.update(uuid, changes, { touch: true });
  }

  addParticipant(uuid: string, accountUuid: string): void {
    this.store.addParticipants(uuid, [accountUuid], { touch: true });
  }

  /** Refuses (PlannrValidationError) to remove the last client, as Plannr does. */
  removeParticipant(uuid: string, accountUuid: string): void {
    this.store.removeParticipants(uuid, [accountUuid], { touch: true });
  }

  deleteCase(uuid: string): void {
    if (!this.store.delete(uuid)) throw new RangeError(`no Plannr case ${uuid}`);
  }

  createCaseDirect(input: PlannrCaseInput): SimPlannrCase {
    const { participantUuids, name, ...rest } = input;
    const created = this.store.create({ ...rest, name, participantUuids } satisfies NewCase);
    return clone(created);
  }

  /** Total requests answered (excluding control routes). */
  requestCount(): number {
    return this.answered;
  }

  /** `/__sandbox/...` routes so a test or the demo in another process can read and edit state. */
  private controlRoutes(): Route[] {
    const refusal = (error: unknown) => {
      if (error instanceof PlannrValidationError) return { status: 422, body: error.body() };
      if (error instanceof RangeError) return { status: 404, body: { message: "Not Found" } };
      throw error;
    };
    return [
      { method: "GET", pattern: "/__sandbox/state", handler: () => ({ status: 200, body: { cases: this.listCases(), requestCount: this.answered } }) },
      {
        method: "PATCH",
        pattern: "/__sandbox/cases/:uuid",
        handler: (request) => {
          try {
            // Trusted test input: the store still applies Plannr's rules to it.
            const patch = typeof request.body === "object" && request.body !== null ? (request.body as Partial<PlannrCaseEdit>) : {};
            this.editCase(request.params.uuid ?? "", patch);
            return { status: 200, body: { data: this.getCase(request.params.uuid ?? "") } };
          } catch (error) {
            return refusal(error);
          }
        },
      },
      {
        method: "DELETE",
        pattern: "/__sandbox/cases/:uuid",
        handler: (request) => {
          try {
            this.deleteCase(request.params.uuid ?? "");
            return { status: 204 };
          } catch (error) {
            return refusal(error);
          }
        },
      },
      ...webhookControlRoutes(this.webhooks),
      ...oauthControlRoutes(this.oauth),
    ];
  }
}
