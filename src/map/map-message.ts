import type { OperationOutcomeIssue, Resource } from '@medplum/fhirtypes';
import { AdapterError } from '../errors/adapter-error.ts';
import { ErrorCode } from '../errors/error-codes.ts';
import {
  adapterError,
  adapterErrorFromIssues,
  ERROR_CODE_SYSTEM,
  IssueType,
  normalizeError,
} from '../errors/outcomes.ts';
import type { Hl7Message, Hl7Segment } from '../parse/hl7v2/types.ts';
import { messageUuids } from '../bundle/resource-ids.ts';
import { assignRequests, type PlannedEntry } from './identity.ts';
import type { Mappings, MessageManifest, ResourceRule, Sender } from './mapping-types.ts';
import { evaluateCondition } from './template/conditions.ts';
import { evaluateTemplate } from './template/evaluate-template.ts';
import type { EvalContext, MessageContext, ResourceInstance, UnmappedCode } from './template/map-context.ts';

/** What the map stage produces for one message: the entries of its transaction, and what it noticed. */
export interface MappedMessage {
  readonly sender: Sender;
  readonly entries: readonly PlannedEntry[];
  /** Local codes no table maps (rejected ones make the message fail; passed-through ones are listed here). */
  readonly unmapped: readonly UnmappedCode[];
  /** Warnings worth reporting even when the conversion succeeds. */
  readonly warnings: readonly OperationOutcomeIssue[];
}

/** Options of {@link mapMessage}. */
export interface MapOptions {
  /** ISO instant the message was received (Provenance.recorded). */
  receivedAt: string;
}

/**
 * Picks the sender configuration for a message by MSH-3.1 (application) and MSH-4.1 (facility); specific
 * entries win over wildcards.
 * @throws AdapterError `map.required-missing` when no sender matches and there is no catch-all.
 */
export function matchSender(message: Hl7Message, mappings: Mappings): Sender {
  const app = message.header.get(3, 1).trim();
  const facility = message.header.get(4, 1).trim();
  const found = mappings.senders.find(
    (s) =>
      (s.match.sendingApplication === '*' || s.match.sendingApplication === app) &&
      (s.match.sendingFacility === '*' || s.match.sendingFacility === facility),
  );
  if (!found) {
    throw adapterError(
      ErrorCode.MapRequiredMissing,
      IssueType.NotSupported,
      'no sender configuration matches MSH-3/MSH-4',
      {
        hl7: 'MSH[1].3',
      },
    );
  }
  return found;
}

/**
 * Finds the manifest for a message's type and checks its version.
 * @throws AdapterError `parse.unsupported-message` (answered AR) for a type or version no manifest accepts.
 */
export function manifestFor(message: Hl7Message, mappings: Mappings): MessageManifest {
  const type = `${message.messageCode}^${message.triggerEvent}`;
  const manifest = mappings.manifests.get(type);
  if (!manifest) {
    throw adapterError(
      ErrorCode.ParseUnsupportedMessage,
      IssueType.NotSupported,
      `message type ${type} is not supported`,
      {
        hl7: 'MSH[1].9',
      },
    );
  }
  if (!manifest.versions.includes(message.version)) {
    throw adapterError(
      ErrorCode.ParseUnsupportedMessage,
      IssueType.NotSupported,
      `HL7 version '${message.version}' is not supported for ${type} (supported: ${manifest.versions.join(', ')})`,
      { hl7: 'MSH[1].12' },
    );
  }
  return manifest;
}

/**
 * The zone of a message's unzoned times. HL7 says such times are in the sender's local zone; the offset the sender
 * put on MSH-7 says what that zone was when it sent this message (daylight saving included), so it wins over the
 * zone configured for the sender, which is the fallback.
 * @returns `±hh:mm` or `Z`.
 */
export function messageZone(message: Hl7Message, sender: Sender): string {
  const m = /^\d{8,}(?:\.\d+)?([+-])(\d{2})(\d{2})$/.exec(message.header.get(7, 1).trim());
  return m ? `${m[1]}${m[2]}:${m[3]}` : sender.timezone;
}

/** What the walk needs from a manifest, derived once per (frozen) manifest rather than per message. */
interface ManifestIndex {
  /** Segment ID → its rules, each with its position in the manifest (part of the resource's fullUrl). */
  bySegment: ReadonlyMap<string, readonly { rule: ResourceRule; position: number }[]>;
  /** Segment IDs some rule, companion or context entry reads. */
  used: ReadonlySet<string>;
}

const indexes = new WeakMap<MessageManifest, ManifestIndex>();

function indexOf(manifest: MessageManifest): ManifestIndex {
  let index = indexes.get(manifest);
  if (!index) {
    const bySegment = new Map<string, { rule: ResourceRule; position: number }[]>();
    // A segment looked ahead to is there to be read, like the segments rules are triggered by.
    const lookedAhead = Object.values(manifest.context).flatMap((c) => c.lookahead ?? []);
    const used = new Set<string>(['MSH', ...Object.keys(manifest.context), ...lookedAhead]);
    manifest.resources.forEach((rule, position) => {
      bySegment.set(rule.segment, [...(bySegment.get(rule.segment) ?? []), { rule, position }]);
      used.add(rule.segment);
      for (const c of rule.companions ?? []) used.add(c.segment);
    });
    index = { bySegment, used };
    indexes.set(manifest, index);
  }
  return index;
}

interface MutableInstance extends ResourceInstance {
  readonly scope: Map<string, Hl7Segment>;
  companions: Hl7Segment[];
}

/**
 * Walks the segments once, keeping for each segment ID the segment "in force" (the manifest's `context` says which
 * segments end when another starts, which header an order segment claims, and which later segments a segment looks
 * ahead to), and plans one resource instance per rule whose trigger segment appears and whose `when` holds.
 * Companion segments (NTE) attach to the instances of the segment before them.
 */
function planInstances(base: MessageContext, manifest: MessageManifest): MutableInstance[] {
  const { message, sender } = base;
  const { bySegment } = indexOf(manifest);
  const scope = new Map<string, Hl7Segment>();
  const claimed = new Set<Hl7Segment>();
  const uuidAt = messageUuids(`${sender.id}|${message.controlId}`);
  const instances: MutableInstance[] = [];
  // Lookahead: segment ID awaited → the instances waiting for it, with the segment ID whose group they belong to.
  const awaiting = new Map<string, { inst: MutableInstance; owner: string }[]>();
  let previous: MutableInstance[] = [];
  for (const seg of message.segments) {
    const rules = bySegment.get(seg.id);
    if (!rules) {
      const owners = previous.filter((i) => i.rule.companions?.some((c) => c.segment === seg.id));
      if (owners.length) {
        for (const o of owners) o.companions.push(seg);
        continue;
      }
    }
    const ctxRule = manifest.context[seg.id];
    const resets = ctxRule?.resets ?? [];
    for (const r of resets) scope.delete(r);
    // A segment that resets an owner ends the owner's group: what its instances still await never came.
    if (resets.length) {
      for (const [id, list] of awaiting) {
        const open = list.filter((w) => !resets.includes(w.owner));
        awaiting.set(id, open);
      }
    }
    if (ctxRule?.claims) {
      const header = scope.get(ctxRule.claims);
      if (header && claimed.has(header)) scope.delete(ctxRule.claims);
      else if (header) claimed.add(header);
    }
    scope.set(seg.id, seg);
    for (const w of awaiting.get(seg.id) ?? []) w.inst.scope.set(seg.id, seg);
    awaiting.delete(seg.id);
    previous = [];
    for (const { rule, position } of rules ?? []) {
      const inst: MutableInstance = {
        rule,
        segment: seg,
        scope: new Map(scope),
        fullUrl: `urn:uuid:${uuidAt(seg.index * 64 + position)}`,
        companions: [],
        sources: new Map(),
      };
      for (const id of ctxRule?.lookahead ?? []) {
        if (!scope.has(id)) awaiting.set(id, [...(awaiting.get(id) ?? []), { inst, owner: seg.id }]);
      }
      instances.push(inst);
      previous.push(inst);
    }
  }
  // Conditions are checked once the walk is over, so that they see the segments looked ahead to.
  return instances.filter(
    (inst) =>
      !inst.rule.when ||
      evaluateCondition(inst.rule.when, { ...base, segment: inst.segment, scope: inst.scope, instance: inst }),
  );
}

/**
 * The map stage: one parsed message → the planned entries of its transaction Bundle, per the message manifest and
 * templates in the mappings. Pure: reads only its arguments. Every content problem in the message is collected and
 * thrown together as one AdapterError.
 * @param message - The parsed message.
 * @param mappings - The loaded mappings.
 * @param options - Received time.
 * @returns The mapped message.
 */
export function mapMessage(message: Hl7Message, mappings: Mappings, options: MapOptions): MappedMessage {
  const manifest = manifestFor(message, mappings);
  const sender = matchSender(message, mappings);
  const instances: MutableInstance[] = [];
  const base: MessageContext = {
    message,
    mappings,
    sender,
    receivedAt: options.receivedAt,
    defaultZone: messageZone(message, sender),
    instances,
    unmapped: [],
    lookups: new Map(),
  };
  instances.push(...planInstances(base, manifest));

  const errors: AdapterError[] = [];
  const built: { instance: ResourceInstance; resource: Resource }[] = [];
  for (const instance of instances) {
    try {
      const ctx: EvalContext = { ...base, segment: instance.segment, scope: instance.scope, instance };
      const body = evaluateTemplate(mappings.templates.get(instance.rule.template), ctx, instance.sources) ?? {};
      for (const companion of instance.companions) {
        const spec = instance.rule.companions?.find((c) => c.segment === companion.id);
        if (!spec) continue;
        const value = evaluateTemplate(mappings.templates.get(spec.template), { ...ctx, segment: companion });
        if (value) body[spec.element] = [...((body[spec.element] as unknown[]) ?? []), value];
      }
      built.push({ instance, resource: { resourceType: instance.rule.resource, ...body } as Resource });
    } catch (err) {
      errors.push(normalizeError(err));
    }
  }
  const identityWarnings: OperationOutcomeIssue[] = [];
  const planned = errors.length ? [] : assignRequests(built, base, errors, identityWarnings);
  if (errors.length) {
    const first = errors[0] as AdapterError;
    // Several resources read the same field (every rule on a CTI reads CTI-1): one problem is reported once.
    const issues = [
      ...new Map(errors.flatMap((e) => e.outcome.issue ?? []).map((i) => [JSON.stringify(i), i])).values(),
    ];
    throw issues.length === 1 ? first : adapterErrorFromIssues(first.code, issues);
  }
  const warnings: OperationOutcomeIssue[] = base.unmapped
    .filter((u) => u.action === 'passed-through')
    .map((u) => ({
      severity: 'warning',
      code: 'code-invalid',
      details: {
        coding: [
          { system: ERROR_CODE_SYSTEM, code: ErrorCode.MapUnmappedCode },
          { ...(u.system ? { system: u.system } : {}), code: u.code },
        ],
      },
      diagnostics: `local code '${u.code}' has no mapping; passed through as ${u.system ?? 'local'} (flagged)`,
      expression: [u.location],
    }));
  const unused = unusedSegments(message, manifest);
  return { sender, entries: planned, unmapped: base.unmapped, warnings: [...warnings, ...identityWarnings, ...unused] };
}

/**
 * Names the segments that no rule, companion or context entry of the manifest reads, so that nothing a sender sent
 * disappears without a word (a result typed `0BX` instead of `OBX` would otherwise vanish).
 */
function unusedSegments(message: Hl7Message, manifest: MessageManifest): OperationOutcomeIssue[] {
  const { used } = indexOf(manifest);
  const names = message.segments.filter((s) => !used.has(s.id)).map((s) => `${s.id}[${s.occurrence}]`);
  if (!names.length) return [];
  return [
    {
      severity: 'warning',
      code: 'informational',
      diagnostics: `${names.length} segment(s) not used by the ${manifest.message} mapping`,
      expression: names,
    },
  ];
}
