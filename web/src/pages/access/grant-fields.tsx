import type { Environment, Role } from '../../api/client';
import { FormField } from '../../components/field-error';
import type { FieldErrors } from '../../components/field-errors';

/** What each role may do, in words: one entry per role of the API (a role added there stops the build). */
const ROLE_LABEL: Record<Role, string> = {
  viewer: 'viewer: reads releases',
  deployer: 'deployer: drafts, previews and applies',
  approver: 'approver: decides on approvals',
  admin: 'admin: everything, and environments and tokens',
};
const ROLES = Object.keys(ROLE_LABEL) as Role[];

/** The role a token binding or a role mapping grants, each said in words. */
export function RoleField({
  value,
  onChange,
  errors,
  path,
}: {
  value: Role;
  onChange: (role: Role) => void;
  errors?: FieldErrors;
  path?: string;
}) {
  return (
    <FormField label="Role" {...(errors && path ? { errors, path } : {})}>
      {(control) => (
        <select {...control} value={value} onChange={(e) => onChange(e.target.value as Role)}>
          {ROLES.map((r) => (
            <option key={r} value={r}>
              {ROLE_LABEL[r]}
            </option>
          ))}
        </select>
      )}
    </FormField>
  );
}

/** Which environments a grant covers: every one (`*`, new ones too) or those checked. */
export interface EnvironmentChoiceValue {
  everywhere: boolean;
  environments: string[];
}

/** "Every environment", or a checkbox per environment: the scope of a role binding or of a role mapping. */
export function EnvironmentChoice({
  label,
  value,
  environments,
  onChange,
}: {
  label: string;
  value: EnvironmentChoiceValue;
  environments: Environment[];
  onChange: (patch: Partial<EnvironmentChoiceValue>) => void;
}) {
  return (
    <div className="checks" role="group" aria-label={label}>
      <label>
        <input type="checkbox" checked={value.everywhere} onChange={(e) => onChange({ everywhere: e.target.checked })} /> Every environment
      </label>
      {environments.map((env) => (
        <label key={env.name}>
          <input
            type="checkbox"
            checked={!value.everywhere && value.environments.includes(env.name)}
            disabled={value.everywhere}
            onChange={(e) =>
              onChange({
                environments: e.target.checked ? [...value.environments, env.name] : value.environments.filter((n) => n !== env.name),
              })
            }
          />{' '}
          {env.name}
        </label>
      ))}
    </div>
  );
}
