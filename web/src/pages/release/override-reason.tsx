/** The reason an admin gives for overriding a freeze or a policy; it is recorded on the timeline. */
export function OverrideReason({
  label,
  value,
  onChange,
  className,
}: {
  label: string;
  value: string;
  onChange: (reason: string) => void;
  className?: string;
}) {
  return (
    <label className={className}>
      {label}
      <input value={value} onChange={(e) => onChange(e.target.value)} required />
    </label>
  );
}
