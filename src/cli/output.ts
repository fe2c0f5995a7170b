import pc from 'picocolors';

/** Where the CLI writes: JSON documents for machines, or lines for people (live on a TTY, timestamped otherwise). */
export class Output {
  private spinner: NodeJS.Timeout | null = null;
  private spinnerText = '';
  private frame = 0;
  readonly tty: boolean;

  constructor(
    readonly json: boolean,
    private readonly stdout: NodeJS.WriteStream = process.stdout,
    private readonly stderr: NodeJS.WriteStream = process.stderr,
  ) {
    this.tty = Boolean(stdout.isTTY) && !json;
  }

  /** One JSON document on stdout (in `--json` mode the only thing written there). */
  document(value: unknown): void {
    this.stdout.write(`${JSON.stringify(value, null, 2)}\n`);
  }

  /** A line for people: on stdout, or on stderr in `--json` mode so that stdout stays one document. */
  line(text = ''): void {
    this.clearSpinner();
    const stamped = this.tty || text === '' ? text : `${new Date().toISOString()} ${text}`;
    (this.json ? this.stderr : this.stdout).write(`${stamped}\n`);
    this.drawSpinner();
  }

  /** A block printed as is (a diff, diagnostics), never timestamped line by line. */
  block(text: string): void {
    if (this.json) return;
    this.clearSpinner();
    this.stdout.write(text.endsWith('\n') ? text : `${text}\n`);
    this.drawSpinner();
  }

  error(text: string): void {
    this.clearSpinner();
    this.stderr.write(`${this.tty ? pc.red('error') : 'error'}: ${text}\n`);
  }

  /** A spinner with `text` on a TTY (nothing otherwise); `null` stops it. */
  waiting(text: string | null): void {
    if (!this.tty) return;
    if (text === null) {
      this.clearSpinner();
      if (this.spinner) clearInterval(this.spinner);
      this.spinner = null;
      this.spinnerText = '';
      return;
    }
    this.spinnerText = text;
    if (!this.spinner) {
      this.spinner = setInterval(() => {
        this.frame += 1;
        this.drawSpinner();
      }, 100);
      this.spinner.unref();
    }
    this.drawSpinner();
  }

  private drawSpinner(): void {
    if (!this.tty || !this.spinnerText) return;
    const frames = '⠋⠙⠹⠸⠼⠴⠦⠧⠇⠏';
    this.stdout.write(`\r${pc.cyan(frames[this.frame % frames.length])} ${this.spinnerText}\u001b[K`);
  }

  private clearSpinner(): void {
    if (this.tty && this.spinnerText) this.stdout.write('\r\u001b[K');
  }

  /** Colours for people on a TTY; plain text otherwise. */
  get colors() {
    return pc.createColors(this.tty);
  }
}
