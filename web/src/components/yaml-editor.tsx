import { yaml } from '@codemirror/lang-yaml';
import { EditorView } from '@codemirror/view';
import CodeMirror from '@uiw/react-codemirror';
import { useMemo } from 'react';
import { yamlProblems } from './yaml-problems';

/** A YAML editor (CodeMirror) that shows parse errors inline as they are typed. */
export default function YamlEditor({
  value,
  onChange,
  label,
  id,
}: {
  value: string;
  onChange: (v: string) => void;
  label: string;
  id: string;
}) {
  const problems = useMemo(() => yamlProblems(value), [value]);
  const extensions = useMemo(
    () => [
      yaml(),
      EditorView.lineWrapping,
      EditorView.contentAttributes.of({ 'aria-label': label, id, 'aria-describedby': `${id}-problems` }),
    ],
    [label, id],
  );
  return (
    <div className="yaml-editor">
      <CodeMirror value={value} height="260px" extensions={extensions} onChange={onChange} basicSetup={{ foldGutter: false }} />
      <div id={`${id}-problems`} aria-live="polite">
        {problems.length > 0 && (
          <ul className="yaml-problems" role="alert">
            {problems.map((p, i) => (
              <li key={i}>
                Line {p.line}, column {p.col}: {p.message}
              </li>
            ))}
          </ul>
        )}
      </div>
    </div>
  );
}
