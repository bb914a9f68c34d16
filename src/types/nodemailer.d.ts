// The part of nodemailer's API that snap uses (the package ships no type declarations).
declare module 'nodemailer' {
  export interface TransportOptions {
    host: string;
    port: number;
    secure?: boolean;
    requireTLS?: boolean;
    ignoreTLS?: boolean;
    connectionTimeout?: number;
    greetingTimeout?: number;
    socketTimeout?: number;
    auth?: { user: string; pass: string };
  }
  export interface MailOptions {
    from: string;
    to: string | string[];
    subject: string;
    text: string;
    headers?: Record<string, string>;
  }
  export interface Transporter {
    sendMail(mail: MailOptions): Promise<{ messageId: string; accepted: unknown[]; rejected: unknown[] }>;
    close(): void;
  }
  const nodemailer: { createTransport(options: TransportOptions): Transporter };
  export default nodemailer;
}
