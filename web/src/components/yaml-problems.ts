import { parseAllDocuments } from 'yaml';

export interface YamlProblem {
  line: number;
  col: number;
  message: string;
}

/** Parse errors of a YAML text (all documents), with line and column. `${NAME}` references are fine as they are. */
export function yamlProblems(text: string): YamlProblem[] {
  const problems: YamlProblem[] = [];
  for (const doc of parseAllDocuments(text, { prettyErrors: true })) {
    for (const error of doc.errors) {
      const pos = error.linePos?.[0];
      problems.push({ line: pos?.line ?? 0, col: pos?.col ?? 0, message: error.message.split('\n')[0] ?? error.message });
    }
  }
  return problems;
}
