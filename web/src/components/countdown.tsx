import { useEffect, useState } from 'react';

/** Seconds left until `until`, updating every second. */
export function Countdown({ until, label }: { until: string; label: string }) {
  const [now, setNow] = useState(() => Date.now());
  useEffect(() => {
    const t = setInterval(() => setNow(Date.now()), 1000);
    return () => clearInterval(t);
  }, []);
  const left = Math.max(0, Math.round((Date.parse(until) - now) / 1000));
  const text =
    left === 0
      ? 'expired'
      : left >= 3600
        ? `${Math.floor(left / 3600)} h ${Math.floor((left % 3600) / 60)} min`
        : `${Math.floor(left / 60)}:${String(left % 60).padStart(2, '0')}`;
  return (
    <span className={`countdown${left < 60 ? ' countdown-low' : ''}`} aria-label={`${label}: ${text}`} data-seconds-left={left}>
      {label}: {text}
    </span>
  );
}
