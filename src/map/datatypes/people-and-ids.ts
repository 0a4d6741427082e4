import type { Address, ContactPoint, HumanName, Identifier, Reference } from '@medplum/fhirtypes';
import { componentAt, isEmpty, type FieldRef } from '../template/field-ref.ts';
import type { EvalContext } from '../template/map-context.ts';
import type { Converter } from './converter.ts';

const V2_0203 = 'http://terminology.hl7.org/CodeSystem/v2-0203';

function comp(ref: FieldRef, c: number, s?: number): string | undefined {
  const v = componentAt(ref, c, s).trim();
  return isEmpty(v) ? undefined : v;
}

function compact<T extends object>(obj: T): T | undefined {
  const out = Object.fromEntries(
    Object.entries(obj).filter(([, v]) => v !== undefined && !(Array.isArray(v) && !v.length)),
  );
  return Object.keys(out).length ? (out as T) : undefined;
}

/** The format of an OID (R4 `oid` type, without its `urn:oid:` prefix). */
const OID = /^[0-2](\.(0|[1-9][0-9]*))+$/;

/**
 * The identifier system for an assigning authority (HD): the sender's configured URI for its namespace, else
 * `urn:oid:` for an ISO universal ID that is a valid OID, else a URI under studybridge's identifier base scoped to
 * the sender, so that values from two hospitals never collide. (Senders do put non-OIDs such as `3.4.5.6.7` in an
 * ISO universal ID; as `urn:oid:` those make the resource invalid.)
 */
export function authoritySystem(
  ctx: EvalContext,
  namespace?: string,
  universalId?: string,
  idType?: string,
  kind = 'id',
): string {
  const configured = namespace ? ctx.sender.identifierSystems?.[namespace] : undefined;
  if (configured) return configured;
  if (universalId && (idType ?? '').toUpperCase() === 'ISO' && OID.test(universalId)) return `urn:oid:${universalId}`;
  const suffix = namespace ? `/${encodeURIComponent(namespace)}` : '';
  return `${ctx.mappings.settings.identifierBase}/${ctx.sender.id}/${kind}${suffix}`;
}

/** CX (PID-3 …) → Identifier, with the assigning authority (CX.4) mapped to a system URI by configuration. */
export const cxToIdentifier: Converter = (ref, ctx) => {
  const value = comp(ref, 1);
  if (!value) return undefined;
  const type = comp(ref, 5);
  return compact<Identifier>({
    ...(type ? { type: { coding: [{ system: V2_0203, code: type }] } } : {}),
    system: authoritySystem(ctx, comp(ref, 4, 1), comp(ref, 4, 2), comp(ref, 4, 3), 'patient'),
    value,
  });
};

/** EI (placer/filler order numbers, specimen IDs) → Identifier; EI.2 namespace, EI.3 universal ID. */
export const eiToIdentifier: Converter = (ref, ctx, directive) => {
  const value = comp(ref, 1);
  if (!value) return undefined;
  const typeCode = directive.$type as string | undefined;
  return compact<Identifier>({
    ...(typeCode ? { type: { coding: [{ system: V2_0203, code: typeCode }] } } : {}),
    // Placer and filler numbers come from different numbering schemes: keep their fallback systems apart.
    system: authoritySystem(
      ctx,
      comp(ref, 2),
      comp(ref, 3),
      comp(ref, 4),
      typeCode === 'PLAC' ? 'placer-order' : typeCode === 'FILL' ? 'filler-order' : 'entity',
    ),
    value,
  });
};

/** XPN → HumanName (XPN.1 family, .2 given, .3 further given, .4 suffix, .5 prefix, .7 type via `$useTable`). */
export const xpnToHumanName: Converter = (ref, ctx, directive) => {
  const typeCode = comp(ref, 7);
  const table = directive.$useTable ? ctx.mappings.tables.get(directive.$useTable as string) : undefined;
  const use = typeCode && table ? (table.map[typeCode] as string | undefined) : undefined;
  return compact<HumanName>({
    ...(use ? { use: use as HumanName['use'] } : {}),
    family: comp(ref, 1, 1) ?? comp(ref, 1),
    given: [comp(ref, 2), comp(ref, 3)].filter((x): x is string => !!x),
    suffix: [comp(ref, 4)].filter((x): x is string => !!x),
    prefix: [comp(ref, 5)].filter((x): x is string => !!x),
  });
};

/** XAD → Address (street, other designation, city, state, postal code, country). */
export const xadToAddress: Converter = (ref) =>
  compact<Address>({
    line: [comp(ref, 1, 1) ?? comp(ref, 1), comp(ref, 2)].filter((x): x is string => !!x),
    city: comp(ref, 3),
    state: comp(ref, 4),
    postalCode: comp(ref, 5),
    country: comp(ref, 6),
  });

/** XTN → ContactPoint: email from XTN.4, else a phone number from XTN.5–7 or the legacy XTN.1. */
export const xtnToContactPoint: Converter = (ref) => {
  const use = ({ PRN: 'home', WPN: 'work', ORN: 'home', VHN: 'temp' } as Record<string, ContactPoint['use']>)[
    comp(ref, 2) ?? ''
  ];
  const email = comp(ref, 4);
  if (email || comp(ref, 3) === 'Internet' || comp(ref, 2) === 'NET') {
    return email ? compact<ContactPoint>({ system: 'email', value: email, use }) : undefined;
  }
  const parts = [comp(ref, 5) ? `+${comp(ref, 5)}` : undefined, comp(ref, 6), comp(ref, 7)].filter(Boolean);
  const value = parts.length ? parts.join(' ') : comp(ref, 1);
  if (!value) return undefined;
  const system: ContactPoint['system'] = comp(ref, 3) === 'FX' ? 'fax' : 'phone';
  return compact<ContactPoint>({ system, value, use: comp(ref, 3) === 'CP' ? 'mobile' : use });
};

/**
 * XCN (a person: OBX-16, OBR-16 …) → a logical Reference with identifier and display. studybridge does not create
 * Practitioner resources: the lab feed is not a source of truth for staff.
 */
export const xcnToReference: Converter = (ref, ctx) => {
  const id = comp(ref, 1);
  const display = [comp(ref, 6), comp(ref, 3), comp(ref, 4), comp(ref, 2, 1) ?? comp(ref, 2)].filter(Boolean).join(' ');
  if (!id && !display) return undefined;
  return compact<Reference>({
    ...(id
      ? {
          identifier: {
            system: authoritySystem(ctx, comp(ref, 9, 1), comp(ref, 9, 2), comp(ref, 9, 3), 'practitioner'),
            value: id,
          },
        }
      : {}),
    display: display || undefined,
  });
};

/** XON (an organisation: OBX-23) → a logical Reference with display and, when sent, identifier (XON.10). */
export const xonToReference: Converter = (ref, ctx) => {
  const name = comp(ref, 1);
  const id = comp(ref, 10) ?? comp(ref, 3);
  if (!name && !id) return undefined;
  return compact<Reference>({
    ...(id
      ? {
          identifier: {
            system: authoritySystem(ctx, comp(ref, 6, 1), comp(ref, 6, 2), comp(ref, 6, 3), 'organization'),
            value: id,
          },
        }
      : {}),
    display: name,
  });
};

/** CWE naming a producer or device (OBX-15) → a logical Reference: the code as identifier, the text as display. */
export const cweToReference: Converter = (ref, ctx) => {
  const id = comp(ref, 1);
  const display = comp(ref, 2);
  if (!id && !display) return undefined;
  return compact<Reference>({
    ...(id
      ? { identifier: { system: authoritySystem(ctx, comp(ref, 3), undefined, undefined, 'organization'), value: id } }
      : {}),
    display,
  });
};
