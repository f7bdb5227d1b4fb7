'use strict';
/**
 * Progress on stderr: a redrawn bar when stderr is a terminal, one plain line per phase
 * otherwise (CI logs, pipes), so stdout carries only the report.
 */
const FRAMES = ['⠋', '⠙', '⠹', '⠸', '⠼', '⠴', '⠦', '⠧', '⠇', '⠏'];

class Progress {
  constructor({ total, stream = process.stderr }) {
    this.stream = stream;
    this.tty = Boolean(stream.isTTY);
    this.total = total;
    this.done = 0;
    this.current = null;
    this.frame = 0;
    this.started = Date.now();
    if (this.tty) {
      this.timer = setInterval(() => this.draw(), 120);
      this.timer.unref();
    }
  }

  phase(variant, label, expectedSeconds) {
    if (this.current) this.done += this.current.expected;
    this.current = { variant: variant.name, label, expected: expectedSeconds, at: Date.now() };
    if (!this.tty) this.write(`demo: ${variant.name}: ${label}${expectedSeconds >= 1 ? ` (${expectedSeconds} s)` : ''}\n`);
    else this.draw();
  }

  draw() {
    if (!this.current) return;
    const inPhase = Math.min(this.current.expected, (Date.now() - this.current.at) / 1000);
    const fraction = Math.min(0.99, (this.done + inPhase) / this.total);
    const width = 24;
    const filled = Math.round(fraction * width);
    const bar = '█'.repeat(filled) + '░'.repeat(width - filled);
    const phaseTime = this.current.expected >= 1 ? ` ${inPhase.toFixed(0)}/${this.current.expected} s` : '';
    const line = `${FRAMES[this.frame++ % FRAMES.length]} ${bar} ${String(Math.round(fraction * 100)).padStart(3)}%  ${this.current.variant}: ${this.current.label}${phaseTime}`;
    this.write(`\r\x1b[2K${line}`);
  }

  stop() {
    if (this.timer) clearInterval(this.timer);
    this.timer = null;
    if (this.tty && this.current) this.write('\r\x1b[2K');
    this.current = null;
  }

  write(text) {
    try {
      this.stream.write(text);
    } catch {}
  }
}

module.exports = { Progress };
