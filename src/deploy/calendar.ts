/**
 * Schedules in the forms that crontab, Kubernetes, GitHub Actions (cron) and systemd timers
 * (OnCalendar) take. Pure; the conversions are checked against croner and `systemd-analyze calendar`.
 */

/** An interval as a cron expression, when cron can express it evenly (15m, 2h, 1d…). */
export function everyToCron(ms: number): string {
  const minutes = ms / 60_000;
  if (Number.isInteger(minutes) && minutes >= 1 && minutes < 60 && 60 % minutes === 0) return minutes === 1 ? '* * * * *' : `*/${minutes} * * * *`;
  const hours = ms / 3_600_000;
  if (Number.isInteger(hours) && hours >= 1 && hours < 24 && 24 % hours === 0) return hours === 1 ? '0 * * * *' : `0 */${hours} * * *`;
  if (hours === 24) return '0 0 * * *';
  throw new Error('cron cannot run evenly at that interval: use a divisor of an hour (1m, 5m, 10m, 15m, 20m, 30m), of a day (1h, 2h, 3h, 4h, 6h, 8h, 12h), or 1d; or pass --cron');
}

const DAYS = ['Sun', 'Mon', 'Tue', 'Wed', 'Thu', 'Fri', 'Sat', 'Sun'];

interface FieldSpec {
  name: string;
  min: number;
  max: number;
  /** How a value is written in OnCalendar. */
  show: (n: number) => string;
}

const FIELDS: FieldSpec[] = [
  { name: 'minute', min: 0, max: 59, show: (n) => String(n).padStart(2, '0') },
  { name: 'hour', min: 0, max: 23, show: (n) => String(n).padStart(2, '0') },
  { name: 'day of month', min: 1, max: 31, show: (n) => String(n).padStart(2, '0') },
  { name: 'month', min: 1, max: 12, show: (n) => String(n).padStart(2, '0') },
  { name: 'day of week', min: 0, max: 7, show: (n) => DAYS[n] },
];

function number(text: string, spec: FieldSpec): number {
  if (!/^\d+$/.test(text)) throw new Error(`${spec.name}: "${text}" is not a number (names such as MON are not supported here; use 1)`);
  const n = Number(text);
  if (n < spec.min || n > spec.max) throw new Error(`${spec.name}: ${n} is outside ${spec.min}-${spec.max}`);
  return n;
}

/** One cron field → its OnCalendar form, or '*'. */
function field(text: string, spec: FieldSpec): string {
  if (text === '*') return '*';
  return text
    .split(',')
    .map((part) => {
      const [range, stepText] = part.split('/');
      const step = stepText === undefined ? undefined : number(stepText, { ...spec, min: 1, max: spec.max + 1 });
      if (range === '*') {
        if (step === undefined) return '*';
        return `${spec.show(spec.min)}/${step}`;
      }
      const [from, to] = range.split('-');
      if (to === undefined) {
        if (step !== undefined) return `${spec.show(number(from, spec))}/${step}`;
        return spec.show(number(from, spec));
      }
      if (step !== undefined) throw new Error(`${spec.name}: a step on a range ("${part}") has no OnCalendar form; list the values instead`);
      return `${spec.show(number(from, spec))}..${spec.show(number(to, spec))}`;
    })
    .join(',');
}

/**
 * A five-field cron expression as a systemd OnCalendar value. Cron runs a job when the day of month
 * OR the day of week matches (when both are restricted); OnCalendar needs both to match, so such
 * an expression is refused rather than converted wrongly.
 */
export function cronToOnCalendar(expression: string): string {
  const parts = expression.trim().split(/\s+/);
  if (parts.length !== 5) throw new Error(`"${expression}" has ${parts.length} fields; write five: minute hour day-of-month month day-of-week`);
  const [minute, hour, dom, month, dow] = parts.map((p, i) => field(p, FIELDS[i]));
  if (dom !== '*' && dow !== '*') throw new Error('a day of month together with a day of week means "either" in cron and "both" in systemd; use one of them');
  const days = dow === '*' ? '' : `${dow} `;
  return `${days}*-${month}-${dom} ${hour}:${minute}:00`;
}
