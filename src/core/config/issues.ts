// Collects located configuration problems so parsing never throws and reports every problem at once.
import type { ConfigIssue } from './model';

export class IssueSink {
  readonly issues: ConfigIssue[] = [];
  /** The file being read; stamped on every issue reported until changed. */
  file: string | undefined;
  /**
   * How a field nobody reads is reported. Errors while reading metallb.io objects from files: `kubectl apply`
   * refuses unknown fields (strict field validation), so `validate` does too. Objects from the API were already
   * checked (and pruned) by the API server, so there they stay warnings.
   */
  unknownFields: ConfigIssue['severity'] = 'warning';
  /** True while reading files (`validate`, `plan`) rather than objects the API server already admitted. */
  fromFiles = false;

  constructor(file?: string) {
    this.file = file;
  }

  error(path: string, message: string): void {
    this.issues.push(this.located('error', path, message));
  }

  warning(path: string, message: string): void {
    this.issues.push(this.located('warning', path, message));
  }

  /** Reports at an explicit file (for cross-object checks after all files were read). */
  at(file: string | undefined, severity: ConfigIssue['severity'], path: string, message: string): void {
    this.issues.push(file === undefined ? { severity, path, message } : { severity, file, path, message });
  }

  hasErrors(): boolean {
    return this.issues.some((i) => i.severity === 'error');
  }

  private located(severity: ConfigIssue['severity'], path: string, message: string): ConfigIssue {
    return this.file === undefined ? { severity, path, message } : { severity, file: this.file, path, message };
  }
}

/** `base.key`, or `key` when base is empty. */
export function joinPath(base: string, key: string): string {
  return base === '' ? key : `${base}.${key}`;
}

/** Describes a value's type in messages: `string`, `list`, `mapping`, `null`... */
export function describeType(value: unknown): string {
  if (value === null || value === undefined) return 'null';
  if (Array.isArray(value)) return 'list';
  if (typeof value === 'object') return 'mapping';
  return typeof value;
}

/** Short quoted rendering of a user value for messages. */
export function quote(value: unknown): string {
  let text: string;
  try {
    if (typeof value === 'number' || typeof value === 'boolean') return String(value);
    text = typeof value === 'string' ? value : (JSON.stringify(value) ?? String(value));
  } catch {
    text = describeType(value);
  }
  return JSON.stringify(text.length > 80 ? `${text.slice(0, 77)}...` : text);
}
