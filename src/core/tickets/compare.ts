/** PAY-9 before PAY-10 (one collator: localeCompare with options builds one per call). */
export const compareKeys = new Intl.Collator('en', { numeric: true }).compare;
