/** What one framework integration reports in `status().frameworks`. */
export class IntegrationState {
  /** 'disabled', 'waiting' (hook set, framework not loaded yet), 'patched' or 'left alone'. */
  state = 'waiting';
  /** Which framework version was patched, or why it was left alone. */
  detail?: string;
  /** fastify instances / body-parser json middlewares whose JSON parser was replaced. */
  instances = 0;
  /** Bodies parsed from bytes by the integration. */
  bytes = 0;
  /** Bodies handed to the framework's own parser (empty, BOM, possible prototype keys, other charsets...). */
  original = 0;

  constructor(readonly envVar: string) {}

  patched(detail: string): void {
    this.state = 'patched';
    this.detail = detail;
  }

  leftAlone(why: string): void {
    this.state = 'left alone';
    this.detail = why;
  }

  disabled(why: string): void {
    this.state = 'disabled';
    this.detail = why;
  }

  report(): Record<string, unknown> {
    const out: Record<string, unknown> = { state: this.state, switch: this.envVar };
    if (this.detail) out.detail = this.detail;
    if (this.state === 'patched') Object.assign(out, { instances: this.instances, counts: { bytes: this.bytes, original: this.original } });
    return out;
  }
}
