/**
 * The real mapping set, studies and study layouts for the tests of the study row mappers, loaded once per test
 * file, and a binder that fails loudly on a header problem.
 */
import { beforeAll } from 'vitest';
import { loadMappings } from '../load-mappings.ts';
import type { Mappings } from '../mapping-types.ts';
import { loadStudies } from '../study/load-studies.ts';
import type { Studies } from '../study/study-types.ts';
import { isLabLayout, type AnyCsvLayouts } from './layout-types.ts';
import { loadCsvLayoutSet } from './load-layouts.ts';
import type { ResolvedStudyLayout } from './study-layout-types.ts';
import { bindStudyLayout, type BoundStudyLayout } from './study-row.ts';

/** What the study tests share. */
export interface StudyFixture {
  readonly mappings: Mappings;
  readonly studies: Studies;
  readonly layouts: AnyCsvLayouts;
  /** A shipped study layout by id. */
  layout(id: string): ResolvedStudyLayout;
  /** A shipped study layout bound to a header given as one CSV line (split on the layout's delimiter). */
  bind(id: string, header: string): BoundStudyLayout;
}

/**
 * Loads the shipped mappings, studies and layouts in a `beforeAll` of the calling test file.
 * @returns Accessors, usable inside tests.
 */
export function useStudyFixture(): StudyFixture {
  let loaded: { mappings: Mappings; studies: Studies; layouts: AnyCsvLayouts } | undefined;
  beforeAll(async () => {
    const mappings = await loadMappings('mappings');
    const studies = await loadStudies('mappings/studies', mappings);
    loaded = { mappings, studies, layouts: await loadCsvLayoutSet('mappings/csv', mappings, studies) };
  });
  const get = () => {
    if (!loaded) throw new Error('fixture not loaded yet');
    return loaded;
  };
  const layout = (id: string): ResolvedStudyLayout => {
    const l = get().layouts.get(id);
    if (!l || isLabLayout(l)) throw new Error(`no study layout ${id}`);
    return l;
  };
  return {
    get mappings() {
      return get().mappings;
    },
    get studies() {
      return get().studies;
    },
    get layouts() {
      return get().layouts;
    },
    layout,
    bind(id, header) {
      const l = layout(id);
      const b = bindStudyLayout(l, get().mappings, header.split(l.layout.format.delimiter));
      if (!b.ok) throw new Error(JSON.stringify(b.problems));
      return b.bound;
    },
  };
}

/** @returns The cells of one CSV line without quotes, split on `delimiter`. */
export function cells(line: string, delimiter = ','): string[] {
  return line.split(delimiter);
}
