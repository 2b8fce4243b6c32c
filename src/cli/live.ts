// Owns the command-line face of live monitoring: `record`, `train` and `watch`, registered on the main
// program by registerLiveCommands. Everything after `--` (and, thanks to passThroughOptions, everything
// after the first word of the command) is the traced command's argv, passed on untouched.

import { Command, InvalidArgumentError, Option } from 'commander';
import { statSync } from 'node:fs';
import { InputError } from '../errors.js';
import { detectFileFormat } from '../traces/readers/index.js';
import { linuxX86_64 } from '../traces/syscalls/linux-x86_64.js';
import { MAX_FRAME, MAX_K, MAX_PID } from '../numbers.js';
import { countThreshold, ratioThreshold, type ThresholdPolicy } from '../eval/threshold.js';
import { resolveTable } from '../traces/syscalls/index.js';
import type { Label } from '../traces/trace.js';
import { checkModelFitsInput, loadModel, saveModel, trainFromFiles } from '../live/model-file.js';
import { onlineKinds, parseParamOptions } from '../detectors/registry.js';
import { record, type RecordBackend } from '../live/record.js';
import { EXIT_LOST, modelInputTable, openEvents, watch, type AlarmAction, type WatchBackend, type WatchSource } from '../live/watch.js';
import type { TraceFormat } from '../traces/readers/index.js';
import type { DbScope } from '../detectors/types.js';
import { parseResetOn } from '../detectors/xenids.js';

/** A decimal integer in [1, max] (bounded, so e.g. -k 99999999999999999999 is refused at once). */
function positiveInt(what: string, max: number) {
  return (v: string): number => {
    if (!/^\d{1,15}$/.test(v) || Number(v) < 1 || Number(v) > max) throw new InvalidArgumentError(`${what} must be a decimal integer from 1 to ${max}.`);
    return Number(v);
  };
}

function ratio(v: string): number {
  const x = Number(v);
  if (!/^(?:\d{1,15}(?:\.\d{0,15})?|\.\d{1,15})$/.test(v.trim()) || !(x >= 0 && x < 1)) throw new InvalidArgumentError('ratio must be a decimal number in [0, 1).');
  return x;
}

/** --table: a built-in table name or a UNM calls.txt file. */
interface RecordFlags {
  output: string;
  label: Label;
  program?: string;
  family?: string;
  backend: RecordBackend;
  allowLoss?: boolean;
}

interface TrainFlags {
  data: string[];
  format: Exclude<TraceFormat, 'lidds-2021' | 'lidds-2019'> | 'auto';
  detector: string;
  scope?: DbScope;
  param: string[];
  k: number;
  label?: Label;
  program?: string;
  table?: string;
  syscalls?: string;
  resetOn?: string;
  output: string;
  lenient?: boolean;
}

interface WatchFlags {
  model: string;
  frame: number;
  ratio?: number;
  threshold?: number;
  json?: boolean;
  onAlarm: AlarmAction;
  pid?: number[];
  cgroup?: string;
  backend: WatchBackend;
  events?: string;
  allowLoss?: boolean;
  input?: string;
  format: 'auto' | 'strace' | 'unm';
  table?: string;
  syscalls?: string;
  resetOn?: string;
}

/** What watch will read: strace names (live sources, strace files), "pid number" lines, or unknown yet (stdin, auto on a non-file). */
function watchInputKind(live: boolean, input: string | undefined, format: 'auto' | 'strace' | 'unm'): 'strace' | 'unm' | undefined {
  if (live) return 'strace';
  if (format !== 'auto') return format;
  if (input === undefined || input === '-' || statSync(input, { throwIfNoEntry: false })?.isFile() !== true) return undefined;
  const f = detectFileFormat(input);
  return f === 'strace' || f === 'unm' ? f : undefined;
}

export function registerLiveCommands(program: Command): void {
  // Needed for passThroughOptions on subcommands: options after the command word belong to it.
  program.enablePositionalOptions();

  program
    .command('record')
    .description('run a command under strace (or bpftrace) and save its trace plus a .meta.json sidecar')
    .usage('-o FILE [options] -- CMD [ARGS...]')
    .requiredOption('-o, --output <file>', 'trace file to write (sidecar: FILE.meta.json)')
    .addOption(new Option('--label <label>', 'label of the recording').choices(['normal', 'attack']).default('normal'))
    .option('--program <name>', 'program name for the sidecar (default: basename of CMD)')
    .option('--family <name>', 'attack family for the sidecar')
    .addOption(new Option('--backend <backend>', 'tracer').choices(['strace', 'bpftrace']).default('strace'))
    .option('--allow-loss', 'exit with the command\'s status even when the tracer lost events (they are still reported)')
    .argument('<cmd...>', 'command and its arguments (put them after --)')
    .passThroughOptions()
    .addHelpText(
      'after',
      `
The command runs as an argument vector (no shell) with the terminal's stdio, under
  strace -f -qq -s 32 -o FILE -- CMD ARGS...
or, with --backend bpftrace, a raw_syscalls tracepoint filtered to the command's process tree
("tid number" lines, Linux x86_64 numbers; tracefs is mounted when missing). FILE and FILE.meta.json
appear atomically at the end. bpftrace can lose events when its buffer overflows: the count is in the
sidecar (lostEvents) and on stderr.
Exit status: the command's (128 + signal number when a signal killed it); ${EXIT_LOST} when the tracer lost
events (unless --allow-loss).`,
    )
    .action(async (cmd: string[], flags: RecordFlags) => {
      const r = await record({
        output: flags.output,
        command: cmd,
        label: flags.label,
        program: flags.program,
        family: flags.family ?? null,
        backend: flags.backend,
      });
      process.stderr.write(`stidebench: recorded ${r.tracePath} (exit status ${r.exitStatus}, ${r.lostEvents} events lost, sidecar ${r.metaPath})\n`);
      if (r.lostEvents > 0) {
        process.stderr.write(`stidebench: warning: the tracer lost ${r.lostEvents} events: the trace is incomplete\n`);
      }
      process.exitCode = r.lostEvents > 0 && !flags.allowLoss ? EXIT_LOST : r.exitStatus;
    });

  program
    .command('train')
    .description('train a model (any detector with an online form) from normal traces and save it (compact binary, checksummed)')
    .requiredOption('--data <path...>', 'trace files or folders of recordings (sidecars give labels/programs)')
    .addOption(new Option('--format <format>', 'trace format').choices(['auto', 'strace', 'unm', 'adfa', 'csv']).default('auto'))
    .addOption(new Option('--detector <kind>', 'detector').choices(onlineKinds()).default('xenids'))
    .addOption(new Option('--scope <scope>', "database scope (default: the detector's; xenids: always shared)").choices(['per-program', 'shared']))
    .option('--param <name=value>', 'detector param, repeatable (e.g. minDistance=2 for hamming)', (v: string, prev: string[]) => [...prev, v], [] as string[])
    .option('-k, --k <n>', 'window length', positiveInt('k', MAX_K), 6)
    .addOption(new Option('--label <label>', 'label of files without a sidecar (only normal traces train)').choices(['normal', 'attack']))
    .option('--program <name>', 'program of files without a sidecar')
    .option('--syscalls <name|file>', 'syscall numbering for numeric formats: linux-x86_64, linux-i386 or a calls.txt file')
    // The earlier spelling, kept working but out of the help: every command now says --syscalls.
    .addOption(new Option('--table <name|file>').hideHelp())
    .option('--reset-on <names>', 'xenids: comma-separated calls that clear a process buffer (default execve,execveat,vfork,execv)')
    .requiredOption('-o, --output <model>', 'model file to write')
    .option('--lenient', 'skip malformed trace lines (counted and reported as warnings) instead of stopping at the first')
    .addHelpText(
      'after',
      `
Labels: a recording's FILE.meta.json sidecar, else --label, else a normal/attack folder on the path,
else normal. Only normal traces train. bpftrace recordings (sidecar backend "bpftrace") are read as
"tid number" lines in Linux x86_64 numbering. The model file is versioned, compact and checksummed.`,
    )
    .action((flags: TrainFlags) => {
      const { model, warnings } = trainFromFiles({
        data: flags.data,
        format: flags.format,
        detector: flags.detector,
        scope: flags.scope,
        params: parseParamOptions(flags.param),
        k: flags.k,
        label: flags.label,
        program: flags.program,
        table: resolveTable(flags.syscalls ?? flags.table),
        lenient: flags.lenient === true,
        ...(flags.resetOn !== undefined ? { resetOn: parseResetOn(flags.resetOn) } : {}),
      });
      for (const w of warnings) process.stderr.write(`stidebench: warning: ${w}\n`);
      saveModel(flags.output, model);
      const t = model.training;
      const dbs = model.config.scope === 'shared' ? 1 : Object.keys(t.tracesPerProgram).length;
      process.stdout.write(
        `trained ${model.config.kind} (k=${model.config.k}, ${model.config.scope}) on ${t.traces} traces / ${t.calls} calls ` +
          `from ${t.files} files (${t.skippedFiles} non-normal skipped): ${dbs} database(s), DB size ${model.detector.dbSize}, ` +
          `${model.alphabet.size} syscall names -> ${flags.output}\n`,
      );
    });

  program
    .command('watch')
    .description('online detection with a saved model on a live command, a running pid, or a trace file/stdin')
    .usage('--model MODEL [options] (-- CMD [ARGS...] | --pid PID... | --cgroup PATH | --input FILE|-)')
    .requiredOption('--model <file>', 'model written by `stidebench train`')
    .option('--frame <n>', 'locality frame (windows)', positiveInt('frame', MAX_FRAME), 100)
    .option('--ratio <p>', 'alarm when LFC/frame > p (default 0.15)', ratio)
    .option('--threshold <n>', 'alarm when LFC >= n (instead of --ratio)', positiveInt('threshold', MAX_FRAME))
    .option('--json', 'JSON lines on stdout: one per alarm, then a summary (a started command\'s stdout goes to stderr)')
    .option('--events <file>', 'also write the JSON lines to FILE (- for stderr), text reports stay on stdout')
    .addOption(new Option('--on-alarm <action>', 'live sources: report, or SIGSTOP/SIGKILL the alarming process').choices(['report', 'stop', 'kill']).default('report'))
    .addOption(new Option('--backend <backend>', 'live tracer: strace, bpftrace (every call printed to watch), kernel (the detector in eBPF)').choices(['strace', 'bpftrace', 'kernel']).default('strace'))
    .option('--pid <pid...>', 'attach to running processes, their threads and their existing and future children', (v: string, prev: number[] | undefined) => [...(prev ?? []), ...v.split(',').map((x) => positiveInt('pid', MAX_PID)(x.trim()))])
    .option('--cgroup <path>', 'watch every task of a cgroup v2 (e.g. /sys/fs/cgroup/system.slice/nginx.service; bpftrace/kernel backends)')
    .option('--allow-loss', 'do not exit ' + EXIT_LOST + ' when the tracer lost events (they are still reported)')
    .option('--input <file>', 'read a strace or "pid number" trace file (gzip ok), or - for stdin')
    .addOption(new Option('--format <format>', 'format of --input').choices(['auto', 'strace', 'unm']).default('auto'))
    .option('--syscalls <name|file>', 'numbering of "pid number" input (default: the model\'s training table, else linux-x86_64)')
    .addOption(new Option('--table <name|file>').hideHelp())
    .option('--reset-on <names>', 'comma-separated calls that clear a process buffer (default: the model\'s, for xenids execve,execveat,vfork,execv)')
    .argument('[cmd...]', 'command to start and watch (put it after --)')
    .passThroughOptions()
    .addHelpText(
      'after',
      `
Detection is the paper's XenIds loop: one k-buffer and locality frame per pid, the buffer cleared on
the model's reset calls (execve, execveat, vfork for xenids models), an alarm when the LFC over the
last --frame windows reaches the threshold. Any detector with an online form works (stide, xenids,
tstide, lookahead, hamming); a per-program model is watched against the union
of its program databases. Each process's first alarm is printed, then at most one line per --frame
windows while it stays in alarm (all alarming windows are counted in the summary).
Alarms name the real calls of the window, also calls the model never saw.
Backends: strace (-f -q -ttt; events read in 10 ms batches, 1 ms with --on-alarm stop|kill; lossless);
bpftrace (a raw_syscalls tracepoint printing every call of the scope; may lose events under load: they
are counted); kernel (the detector itself in eBPF: only alarms and counters leave the kernel; stop/kill
are sent by the kernel at the offending call itself; a libbpf program built on first use, which needs
clang and libbpf-dev, k <= 16 and --frame <= 1024). bpftrace and kernel need root; bpftrace needs
tracefs (mounted when missing).
--on-alarm stop|kill acts once per process, only on a pid > 1 that the stream showed created by the
watched command (or given with --pid, or its descendant) and that the kernel reports ours (strace: its
TracerPid is watch's strace; bpftrace: it descends from the watched roots); any other target is
reported as action=refused, so forged event lines cannot make watch signal a process outside the tree. strace reports a call after it returned and watch
reads in batches, so the program may make further calls before the signal lands: the summary counts
them per process ("further calls"). A stopped process does not keep watch waiting: once every watched
task is stopped or gone, the tracer detaches and the stopped processes are left stopped (listed).
Exit status: ${EXIT_LOST} when the tracer lost events (unless --allow-loss), else 3 when an alarm was raised,
else the watched command's (with -- CMD) or 0; errors exit 1.`,
    )
    .action(async (cmd: string[], flags: WatchFlags) => {
      const sources = (cmd.length > 0 ? 1 : 0) + (flags.pid !== undefined ? 1 : 0) + (flags.input !== undefined ? 1 : 0) + (flags.cgroup !== undefined ? 1 : 0);
      if (sources !== 1) {
        throw new InputError('watch needs exactly one event source', { expected: '-- CMD [ARGS...], --pid PID..., --cgroup PATH or --input FILE|-' });
      }
      if (flags.ratio !== undefined && flags.threshold !== undefined) {
        throw new InputError('--ratio and --threshold exclude each other', { expected: 'one threshold policy' });
      }
      const policy: ThresholdPolicy = flags.threshold !== undefined ? countThreshold(flags.threshold) : ratioThreshold(flags.ratio ?? 0.15);
      const source: WatchSource =
        cmd.length > 0
          ? { kind: 'command', argv: cmd }
          : flags.pid !== undefined
            ? { kind: 'pid', pids: [...new Set(flags.pid)] }
            : flags.cgroup !== undefined
              ? { kind: 'cgroup', path: flags.cgroup }
              : { kind: 'input', path: flags.input! };
      const loaded = loadModel(flags.model);
      // --reset-on replaces the model's reset calls for every backend (the kernel program reads them too).
      const model = flags.resetOn !== undefined ? { ...loaded, config: { ...loaded.config, resetOn: parseResetOn(flags.resetOn) } } : loaded;
      // A model numbered unlike the input (e.g. trained on UNM numbers, watching strace names) stops here.
      const inputKind = watchInputKind(source.kind !== 'input', flags.input, flags.format);
      if (inputKind === 'strace') checkModelFitsInput(model, { names: 'linux' }, flags.model);
      else if (inputKind === 'unm') checkModelFitsInput(model, { table: resolveTable(flags.table) ?? modelInputTable(model) ?? linuxX86_64 }, flags.model);
      const merged = model.config.scope === 'shared' ? 1 : Object.keys(model.training.tracesPerProgram).length;
      if (merged > 1) {
        process.stderr.write(`stidebench: note: per-program ${model.config.kind} model: watching against the union of its ${merged} program databases\n`);
      }
      if (flags.resetOn !== undefined) {
        for (const n of parseResetOn(flags.resetOn)) {
          if (model.alphabet.idOf(n) === undefined) process.stderr.write(`stidebench: note: reset call ${n} is not in the model's alphabet (never seen in training), so it cannot reset; train with --reset-on to include it\n`);
        }
      }
      // `watch ... | head`: a closed pipe ends watch quietly instead of with a stack trace.
      process.stdout.on('error', (e: NodeJS.ErrnoException) => {
        if (e.code === 'EPIPE') process.exit(typeof process.exitCode === 'number' ? process.exitCode : 0);
        throw e;
      });
      const r = await watch(model, source, {
        frame: flags.frame,
        policy,
        json: flags.json,
        onAlarm: flags.onAlarm,
        backend: flags.backend,
        allowLoss: flags.allowLoss,
        events: flags.events !== undefined ? openEvents(flags.events) : undefined,
        format: flags.format,
        table: resolveTable(flags.syscalls ?? flags.table),
      });
      if (r.summary.lostEvents > 0) {
        process.stderr.write(`stidebench: warning: the tracer lost ${r.summary.lostEvents} events: detection missed them\n`);
      }
      process.exitCode = r.status;
    });
}
