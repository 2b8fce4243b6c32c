// Owns (re)generating the registry manifests datasets/<name>/manifest.json for the downloadable datasets
// (ADFA-LD, the eight UNM live/synthetic programs, UNM synthetic sendmail). The hand-written parts
// (sources, rules, subsets, notes) live below; the per-file sha256 come from a data directory. Where
// the data directory holds a curator's MANIFEST.sha256 (as /work/shared/datasets does), every hash is
// cross-checked against it.
//
//   npx tsx scripts/make-manifests.ts [--data-dir DIR] [--only a,b] [--check]
//
// --check writes nothing and exits 1 when a manifest on disk differs from what would be generated.

import { existsSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { dirname, join, relative } from 'node:path';
import { InputError } from '../src/errors.js';
import { listFiles, sha256File } from '../src/datasets/files.js';
import { manifestSchema } from '../src/datasets/manifest.js';
import { manifestsDir, resolveDataDir } from '../src/datasets/registry.js';

type Json = Record<string, unknown>;

interface Spec {
  name: string;
  title: string;
  description: string;
  format: 'unm' | 'adfa';
  root: string;
  program: string;
  syscallTable: Json;
  rules: Json[];
  subsets: Record<string, string>;
  source: Json;
  /** Root-relative files that are not part of the data (curation notes) and are left out of `files`. */
  skip?: RegExp;
  notes: string[];
}

// ---------------------------------------------------------------------------------------------------
// UNM (Warrender, Forrest & Pearlmutter 1999 data sets)

const UNM_HOME = 'https://www.cs.unm.edu/~immsec/systemcalls.htm';
const UNM_DATA = 'https://www.cs.unm.edu/~immsec/data/';
const UNM_CITATION = [
  'C. Warrender, S. Forrest, B. Pearlmutter. Detecting Intrusions Using System Calls: Alternative Data Models. IEEE Symposium on Security and Privacy, 1999, pp. 133-145.',
  'S. A. Hofmeyr, S. Forrest, A. Somayaji. Intrusion detection using sequences of system calls. Journal of Computer Security 6(3):151-180, 1998.',
  'S. Forrest, S. A. Hofmeyr, A. Somayaji, T. A. Longstaff. A Sense of Self for Unix Processes. IEEE Symposium on Security and Privacy, 1996.',
];
const UNM_TERMS =
  'No explicit license on the UNM pages or in the mirrors; a public research release of the UNM Computer Immune Systems group. Cite the papers listed.';

const MM_REPO = 'michalmonday/Program-Behaviour-Anomaly-Detection-Benchmark';
const MM_TRACES = '89aa6df96d144818167b69592736325336a80860';
const MM_MAPS = '17c3bad33b5c861592b0998ce713c8251701cbd8';
const MM_TARBALL = `https://codeload.github.com/${MM_REPO}/tar.gz/${MM_TRACES}`;
const MM_TARBALL_NAME = 'michalmonday-pbadb-89aa6df.tar.gz';

const UNM_PROVENANCE =
  `Copied unchanged from GitHub ${MM_REPO}, commit ${MM_TRACES} (2022-05-04), folder scripts/unm_datasets/<program>/{normal,abnormal}/; ` +
  `the calls.txt.* mapping files (and the gzipped ps/abnormal traces) from commit ${MM_MAPS} of the same repository. ` +
  'Cross-checked: the per-trace .int.gz members of the original UNM tarballs mirrored in GitHub anandsagarthumati9848/HIDS ' +
  '(commit 35093f79d94eeae496fb4034ee54b0ac32c01109) are byte-identical where present; all trace and syscall totals match Warrender et al. 1999, Table 1.';

const UNM_FETCH_NOTE =
  '`datasets fetch` downloads the pinned GitHub commits the files were copied from (GitHub codeload/raw URLs of fixed commits) and checks every file against `files`. ' +
  'These URLs follow GitHub\'s standard forms but could not be fetched from where this manifest was written (no network), so they are UNVERIFIED end to end; ' +
  'the codeload archive is the whole repository at that commit (large; cached in <data dir>/.downloads and shared by the eight UNM programs). ' +
  'The official UNM tarballs under source.official are named as on the UNM pages and in the HIDS mirror; their URLs under ' +
  `${UNM_DATA} are inferred and UNVERIFIED (the site was not reachable), and their member layout is not known, so fetch does not use them.`;

function mmTarball(dir: string, members: string): Json {
  return {
    url: MM_TARBALL,
    name: MM_TARBALL_NAME,
    extract: 'tar.gz',
    select: `^[^/]+/scripts/unm_datasets/${dir}/(${members})$`,
    note: `GitHub archive of ${MM_REPO} at ${MM_TRACES}; only scripts/unm_datasets/${dir}/ is extracted`,
  };
}

function mmRaw(commit: string, repoPath: string, as: string): Json {
  return { url: `https://raw.githubusercontent.com/${MM_REPO}/${commit}/${repoPath}`, extract: 'none', as };
}

function official(file: string, description: string): Json {
  return { url: UNM_DATA + file, description, verified: false };
}

const UNM_SUBSETS = { normal: '^normal/', abnormal: '^abnormal/', attack: '^abnormal/' };

interface UnmSpec {
  name: string;
  dir: string;
  title: string;
  description: string;
  program: string;
  calls: string;
  page: string;
  rules: Json[];
  official: Json[];
  subsets?: Record<string, string>;
  /** Regex (inside the program folder) of the members taken from the 89aa6df tarball. */
  members?: string;
  extraUrls?: Json[];
  notes: string[];
}

function unm(s: UnmSpec): Spec {
  return {
    name: s.name,
    title: s.title,
    description: s.description,
    format: 'unm',
    root: `UNM/${s.dir}`,
    program: s.program,
    syscallTable: { kind: 'unm-calls', file: s.calls },
    rules: s.rules,
    subsets: s.subsets ?? UNM_SUBSETS,
    source: {
      homepage: UNM_HOME,
      pages: [`${UNM_DATA}${s.page}`],
      urls: [
        mmTarball(s.dir, s.members ?? '(?:normal|abnormal)/[^/]+\\.int\\.gz'),
        ...(s.extraUrls ?? []),
        mmRaw(MM_MAPS, `scripts/unm_datasets/${s.dir}/${s.calls}`, s.calls),
      ],
      official: s.official,
      provenance: UNM_PROVENANCE,
      citation: UNM_CITATION,
      terms: UNM_TERMS,
    },
    notes: [
      'One trace is one process: one PID within one file (a file can hold several, interleaved, PIDs).',
      'Normal and intrusion traces of one program come from one site and program version; do not mix the normal data of one set with the intrusions of another.',
      '"Intrusion" files hold every process recorded during the attack, not only the compromised one; detection is usually reported per intrusion (any alarm among its traces).',
      ...s.notes,
      UNM_FETCH_NOTE,
    ],
  };
}

const specs: Spec[] = [
  unm({
    name: 'lpr-mit',
    dir: 'lpr_mit',
    title: 'UNM/MIT live lpr (SunOS 4.1.4, reconverted traces) with the lprcp attack',
    description:
      'Live normal lpr traces collected over two weeks on 77 hosts of the MIT AI Lab (reconverted Nov 1998, with exit and brk), ' +
      'and 1001 traces of one lprcp symlink attack. Used in Warrender et al. 1999.',
    program: 'lpr',
    calls: 'calls.txt.sun',
    page: 'live-lpr.html',
    rules: [
      { pattern: '^normal/\\d+-(.+)-\\d{1,2}[A-Z][a-z]{2}\\d{4}-\\d{6}-\\d+\\.log\\.int\\.gz$', label: 'normal', host: '$1' },
      { pattern: '^normal/.+\\.int\\.gz$', label: 'normal' },
      {
        pattern: '^abnormal/(.+)-\\d{1,2}[A-Z][a-z]{2}\\d{4}-\\d{6}-\\d+\\.log\\.int\\.gz$',
        label: 'attack',
        family: 'lprcp',
        intrusion: 'folder',
        host: '$1',
      },
      { pattern: '^abnormal/.+\\.int\\.gz$', label: 'attack', family: 'lprcp', intrusion: 'folder' },
    ],
    official: [
      official('lpr-live-mit-new.tar.gz', 'reconverted MIT live lpr normal traces (the page: "untars to 2703 files"); its .int.gz members are byte-identical to normal/'),
    ],
    notes: [
      'normal: 2704 files, 2703 traces, 2,926,304 calls; 857428790-sma-03Mar1997-171345-1212.log.int.gz is empty (0 lines) and yields no trace. attack: 1001 traces, 169,252 calls, one intrusion (intrusion = the abnormal/ folder).',
      'The UNM page says the reconverted traces need "a separate mapping file"; whether calls.txt.sun is that file could not be verified (it only affects syscall names, not detection).',
      'The host is taken from the file name (the part before the date); the leading number is the original log modification time.',
      'The MIT lprcp intrusion archive name on the UNM page is not known here, so it is not listed under source.official.',
    ],
  }),
  unm({
    name: 'lpr-unm',
    dir: 'lpr_unm',
    title: 'UNM live lpr (SunOS) with the lprcp attack',
    description: 'Live normal lpr traces collected at the UNM CS department, and 1001 traces of one lprcp symlink attack. Used in Warrender et al. 1999.',
    program: 'lpr',
    calls: 'calls.txt.sun',
    page: 'live-lpr.html',
    rules: [
      { pattern: '^normal/\\d+-(.+)-\\d\\d\\.\\d\\d\\.\\d\\d-lpr-\\d+\\.log\\.int\\.gz$', label: 'normal', host: '$1' },
      { pattern: '^normal/.+\\.int\\.gz$', label: 'normal' },
      { pattern: '^abnormal/(.+)-\\d\\d\\.\\d\\d\\.\\d\\d-lpr-\\d+\\.log\\.int\\.gz$', label: 'attack', family: 'lprcp', intrusion: 'folder', host: '$1' },
      { pattern: '^abnormal/.+\\.int\\.gz$', label: 'attack', family: 'lprcp', intrusion: 'folder' },
    ],
    official: [official('lprcp-unm-new.tar', 'UNM lprcp intrusion traces: 1001 .int.gz members, byte-identical to abnormal/')],
    notes: [
      'normal: 4298 traces, 2,027,468 calls. attack: 1001 traces, 168,236 calls, one intrusion (intrusion = the abnormal/ folder).',
      'No second copy of normal/ was found; it is trusted because its totals match Warrender et al. 1999 exactly.',
      'Host names are as recorded in the file names ("fiveup" and "fiveup.cs.unm.edu" both occur).',
    ],
  }),
  unm({
    name: 'named',
    dir: 'named',
    title: 'UNM live named (Linux) with a buffer-overflow intrusion',
    description: 'Live normal traces of the named name server (one file, 27 processes, 9.2 M calls) and two intrusion files (buffer overflow). Used in Warrender et al. 1999.',
    program: 'named',
    calls: 'calls.txt.linux42',
    page: 'live-named.html',
    rules: [
      { pattern: '^normal/.+\\.int\\.gz$', label: 'normal' },
      { pattern: '^abnormal/.+\\.int\\.gz$', label: 'attack', family: 'buffer-overflow', intrusion: 'file' },
    ],
    official: [
      official('named-live-unm.gz', 'normal named trace (name as given in the HIDS mirror README; the registered copy is normal/allnormal.int.gz)'),
      official('named-intrusions.tar', 'the two intrusion traces exploit-1.int.gz and exploit-2.int.gz (byte-identical members)'),
    ],
    notes: [
      'normal: 1 file, 27 traces, 9,230,572 calls. attack: 2 files, 5 traces, 1,800 calls. The paper counts 2 intrusions (files), not 5 processes.',
      'No second copy of normal/allnormal.int.gz was found; its totals match Warrender et al. 1999 exactly.',
    ],
  }),
  unm({
    name: 'xlock',
    dir: 'xlock',
    title: 'UNM xlock (Linux): 71 synthetic and 1 live normal traces, buffer-overflow intrusion',
    description:
      'Synthetic normal xlock runs (71 files), one long live normal trace (large_normal_live.int.gz, 16.6 M calls) and two intrusion traces (buffer overflow). Used in Warrender et al. 1999.',
    program: 'xlock',
    calls: 'new.calls.txt.linux',
    page: 'xlock.html',
    members: '(?:(?:normal|abnormal)/[^/]+\\.int\\.gz|large_normal_live\\.int\\.gz)',
    subsets: {
      normal: '^(normal/|large_normal_live\\.int\\.gz$)',
      'normal-synthetic': '^normal/',
      'normal-live': '^large_normal_live\\.int\\.gz$',
      abnormal: '^abnormal/',
      attack: '^abnormal/',
    },
    rules: [
      { pattern: '^normal/(.+?)-\\d\\d\\.\\d\\d\\.\\d\\d-xlock-.+\\.int\\.gz$', label: 'normal', host: '$1' },
      { pattern: '^normal/.+\\.int\\.gz$', label: 'normal' },
      { pattern: '^large_normal_live\\.int\\.gz$', label: 'normal', note: 'the live normal trace; it belongs to the normal set (72 normal traces in the paper)' },
      { pattern: '^abnormal/(.+?)-\\d\\d\\.\\d\\d\\.\\d\\d-xlock-.+\\.int\\.gz$', label: 'attack', family: 'buffer-overflow', intrusion: 'file', host: '$1' },
      { pattern: '^abnormal/.+\\.int\\.gz$', label: 'attack', family: 'buffer-overflow', intrusion: 'file' },
    ],
    official: [
      official('xlock-synth-unm.tar', 'the 71 synthetic normal traces (members byte-identical to normal/)'),
      official('xlock-intrusions.tar.gz', 'the 2 intrusion traces (members byte-identical to abnormal/)'),
    ],
    notes: [
      'normal: 72 traces, 16,937,816 calls = 71 synthetic (339,177) + large_normal_live.int.gz (16,598,639), matching Warrender et al. 1999. attack: 2 traces, 949 calls.',
      'File names start with the host name nonself.cs.unm.edu; it is not a label.',
      'No second copy of large_normal_live.int.gz was found; its total matches the paper exactly.',
    ],
  }),
  unm({
    name: 'login',
    dir: 'login',
    title: 'UNM live login (Linux) with two trojaned-login intrusions',
    description: 'Live normal login traces (2 files, 24 processes) and two trojan intrusions: a homegrown and a recovered trojaned login. Used in Warrender et al. 1999.',
    program: 'login',
    calls: 'calls.txt.linux42',
    page: 'login-ps.html',
    rules: [
      { pattern: '^normal/.+\\.int\\.gz$', label: 'normal' },
      { pattern: '^abnormal/login\\.trace_9809181501\\.int\\.gz$', label: 'attack', family: 'trojan-homegrown', intrusion: 'file' },
      { pattern: '^abnormal/login\\.trace_9809221124\\.int\\.gz$', label: 'attack', family: 'trojan-recovered', intrusion: 'file' },
      { pattern: '^abnormal/.+\\.int\\.gz$', label: 'attack', family: 'trojan', intrusion: 'file' },
    ],
    official: [official('login-live-unm.tar', 'the 2 normal login trace files (members byte-identical to normal/)')],
    notes: [
      'normal: 24 traces, 8,906 calls; 12 of them are 1-call stubs, leaving 12 traces / 8,894 calls (the paper\'s figures). attack: 13 traces (4 one-call), 4,857 calls; 9 traces / 4,853 calls beyond the stubs.',
      '1-call traces have no window for any k >= 2; decide explicitly how to count them (experiment split option minLength).',
      'Family mapping by content: login.trace_9809181501 equals the HIDS mirror\'s login-homegrown.int, login.trace_9809221124 equals login-recovered.int.',
    ],
  }),
  unm({
    name: 'ps',
    dir: 'ps',
    title: 'UNM live ps (Linux) with two trojaned-ps intrusions',
    description: 'Live normal ps traces (2 files, 24 processes) and two trojan intrusions: a homegrown and a recovered trojaned ps. Used in Warrender et al. 1999.',
    program: 'ps',
    calls: 'calls.txt.linux42',
    page: 'login-ps.html',
    members: 'normal/[^/]+\\.int\\.gz',
    extraUrls: [
      mmRaw(MM_MAPS, 'scripts/unm_datasets/ps/abnormal/ps.trace_9809181501.int.gz', 'abnormal/ps.trace_9809181501.int.gz'),
      mmRaw(MM_MAPS, 'scripts/unm_datasets/ps/abnormal/ps.trace_9809221124.int.gz', 'abnormal/ps.trace_9809221124.int.gz'),
    ],
    rules: [
      { pattern: '^normal/.+\\.int\\.gz$', label: 'normal' },
      { pattern: '^abnormal/ps\\.trace_9809181501\\.int\\.gz$', label: 'attack', family: 'trojan-homegrown', intrusion: 'file' },
      { pattern: '^abnormal/ps\\.trace_9809221124\\.int\\.gz$', label: 'attack', family: 'trojan-recovered', intrusion: 'file' },
      { pattern: '^abnormal/.+\\.int\\.gz$', label: 'attack', family: 'trojan', intrusion: 'file' },
    ],
    official: [official('ps-live-unm.tar', 'the 2 normal ps trace files (members byte-identical to normal/)')],
    notes: [
      'normal: 24 traces, 6,144 calls. attack: 26 traces, 6,968 calls.',
      'The two abnormal files come gzipped from commit 17c3bad (plain .int in 89aa6df); after gunzip they are byte-identical.',
      'Family mapping: ps.trace_9809181501 equals the HIDS mirror\'s ps-homegrown.int; ps.trace_9809221124 is therefore taken as the recovered trojan (no second copy to compare).',
    ],
  }),
  unm({
    name: 'inetd',
    dir: 'inetd',
    title: 'UNM live inetd (Linux) with a denial-of-service intrusion',
    description: 'Live normal inetd traces (1 file, 3 processes) and one denial-of-service intrusion file (31 processes). Used in Warrender et al. 1999.',
    program: 'inetd',
    calls: 'calls.txt.linux42',
    page: 'live-inetd.html',
    rules: [
      { pattern: '^normal/.+\\.int\\.gz$', label: 'normal' },
      { pattern: '^abnormal/.+\\.int\\.gz$', label: 'attack', family: 'denial-of-service', intrusion: 'file' },
    ],
    official: [],
    notes: [
      'normal: 3 traces, 541 calls. attack: 31 traces, 8,371 calls.',
      'The UNM page: "only the daemon process is expected to show any deviation from normal behavior".',
      'Content matches the HIDS mirror\'s inetd-live-unm.int and inetd-intrusion.int; the official archive names are not known here.',
    ],
  }),
  unm({
    name: 'stide',
    dir: 'stide',
    title: 'UNM live stide (Linux) with a denial-of-service intrusion',
    description: 'Live normal traces of the stide program itself (13,726 files, 15.6 M calls) and one denial-of-service intrusion file (105 processes). Used in Warrender et al. 1999.',
    program: 'stide',
    calls: 'calls.txt.linux42',
    page: 'live-stide.html',
    rules: [
      { pattern: '^normal/.+\\.int\\.gz$', label: 'normal' },
      { pattern: '^abnormal/.+\\.int\\.gz$', label: 'attack', family: 'denial-of-service', intrusion: 'file' },
    ],
    official: [
      official('stidetraces.tar', 'normal stide traces (name as given in the HIDS mirror README; not cross-checked)'),
      official('stide-intrusion.gz', 'the intrusion trace (name as given in the HIDS mirror README; content matches abnormal/exploit.int.gz after gunzip)'),
    ],
    notes: [
      'normal: 13,726 traces, 15,618,237 calls. attack: 105 traces, 205,935 calls.',
      'normal/ files separate the fields with a TAB and end with an extra empty line.',
      'No second copy of normal/ was found; its totals match Warrender et al. 1999 exactly.',
    ],
  }),
];

// ---------------------------------------------------------------------------------------------------
// UNM synthetic sendmail

const HIDS_REPO = 'anandsagarthumati9848/HIDS';
const HIDS_COMMIT = '35093f79d94eeae496fb4034ee54b0ac32c01109';
const HIDS_SM = `https://raw.githubusercontent.com/${HIDS_REPO}/${HIDS_COMMIT}/Datasets/UNM/1.Synthetic%20Sendmail/`;
const SM_NORMAL = ['bounce.int', 'bounce-1.int', 'bounce-2.int', 'plus.int', 'queue.int', 'sendmail.log.int'];
const SM_ABNORMAL = ['fwd-loops-1.int', 'fwd-loops-2.int', 'fwd-loops-3.int', 'fwd-loops-4.int', 'fwd-loops-5.int', 'sm-10763.int', 'sm-10801.int', 'sm-10814.int', 'sm-280.int', 'sm-314.int'];

specs.push({
  name: 'unm-sendmail',
  title: 'UNM synthetic sendmail (SunOS), partial: sendmail.daemon.int is missing',
  description:
    'Scripted normal sendmail runs and scripted intrusions (decode, sunsendmailcp, forwarding loops) of the original "sense of self" work. ' +
    'The largest normal file is missing, so use it for smoke tests and qualitative checks, not for FPR comparisons.',
  format: 'unm',
  root: 'UNM-synthetic-sendmail',
  program: 'sendmail',
  syscallTable: { kind: 'unm-calls', file: 'calls.txt.sun' },
  rules: [
    { pattern: '^normal/plus\\.int$', exclude: true, note: 'plus.int is exactly the union of bounce*.int and queue.int; using both would count every trace twice' },
    { pattern: '^normal/.+\\.int$', label: 'normal' },
    { pattern: '^abnormal/sm-(280|314)\\.int$', label: 'attack', family: 'decode', intrusion: 'file' },
    { pattern: '^abnormal/sm-(10763|10801|10814)\\.int$', label: 'attack', family: 'sunsendmailcp', intrusion: 'file' },
    { pattern: '^abnormal/fwd-loops-\\d+\\.int$', label: 'attack', family: 'forwarding-loop', intrusion: 'file' },
    { pattern: '^abnormal/.+\\.int$', label: 'attack', intrusion: 'file' },
  ],
  subsets: { normal: '^normal/', abnormal: '^abnormal/', attack: '^abnormal/' },
  source: {
    homepage: UNM_HOME,
    pages: [`${UNM_DATA}synth-sm.html`],
    urls: [
      ...SM_NORMAL.map((f) => ({ url: `${HIDS_SM}normal-data/${f}`, extract: 'none', as: `normal/${f}` })),
      ...SM_ABNORMAL.map((f) => ({ url: `${HIDS_SM}Intrusion-trace-data/${f}`, extract: 'none', as: `abnormal/${f}` })),
      { url: `${HIDS_SM}calls.txt.sun`, extract: 'none', as: 'calls.txt.sun' },
    ],
    official: [],
    provenance:
      `Copied unchanged from GitHub ${HIDS_REPO}, commit ${HIDS_COMMIT}, folder Datasets/UNM/1.Synthetic Sendmail/ ` +
      '(normal-data/ -> normal/, Intrusion-trace-data/ -> abnormal/). No second public copy was found.',
    citation: [UNM_CITATION[2]!, UNM_CITATION[1]!],
    terms: UNM_TERMS,
  },
  skip: /^(SOURCE\.md|MANIFEST\.sha256)$/,
  notes: [
    'Each line is "PID syscall" followed by two trailing spaces; not gzipped. All 6 normal files and 6 of the 10 intrusion files interleave PIDs.',
    'normal/plus.int is EXCLUDED (rule exclude): its 26 PIDs are exactly those of bounce.int, bounce-1.int, bounce-2.int and queue.int. Normal data is then 173 traces / 130,001 calls; intrusions 10 files / 25 traces / 6,755 calls.',
    'normal-data/sendmail.daemon.int (>= 4 MiB) could not be obtained, so the normal data is incomplete and FPR is not comparable with Forrest 1996 / Hofmeyr 1998.',
    'Intrusion families (from the UNM synthetic sendmail page naming): sm-280/sm-314 = decode, sm-10763/sm-10801/sm-10814 = sunsendmailcp, fwd-loops-N = forwarding loop; each file is one intrusion.',
    `The UNM page ${UNM_DATA}synth-sm.html was not reachable; fetch uses the pinned HIDS commit (immutable raw URLs, checked file by file).`,
  ],
});

// ---------------------------------------------------------------------------------------------------
// ADFA-LD

specs.push({
  name: 'adfa-ld',
  title: 'ADFA-LD: Australian Defence Force Academy Linux Dataset (Ubuntu 11.04, i386)',
  description:
    'System-call traces of a Linux host: 833 normal training traces, 4372 normal validation traces and 746 attack traces from 60 attack runs of 6 types ' +
    '(Adduser, Hydra_FTP, Hydra_SSH, Java_Meterpreter, Meterpreter, Web_Shell). One trace per file, no PIDs.',
  format: 'adfa',
  root: 'ADFA-LD',
  program: 'unknown',
  syscallTable: { kind: 'linux-i386' },
  rules: [
    { pattern: '^Training_Data_Master/[^/]+\\.txt$', label: 'normal' },
    { pattern: '^Validation_Data_Master/[^/]+\\.txt$', label: 'normal' },
    { pattern: '^Attack_Data_Master/(.+)_\\d+/[^/]+\\.txt$', label: 'attack', family: '$1', intrusion: 'folder' },
  ],
  subsets: {
    training: '^Training_Data_Master/',
    validation: '^Validation_Data_Master/',
    normal: '^(Training|Validation)_Data_Master/',
    attack: '^Attack_Data_Master/',
  },
  source: {
    homepage: 'https://research.unsw.edu.au/projects/adfa-ids-datasets',
    pages: ['https://www.unsw.adfa.edu.au/unsw-canberra-cyber/cybersecurity/ADFA-IDS-Datasets/'],
    urls: [
      {
        url: 'https://raw.githubusercontent.com/duoergun0729/1book/e4e4ae3683d0de6128d665b0672246a21f2cb10e/data/ADFA-LD.zip',
        extract: 'zip',
        select: '^(?:.*/)?((?:Training|Validation|Attack)_Data_Master/.+\\.txt)$',
        exclude: '(^|/)(__MACOSX|\\.DS_Store)(/|$)',
        note: 'byte-identical to the registered tree (all 5,951 trace files); members may sit under any prefix folder',
      },
    ],
    official: [],
    provenance:
      'Copied from GitHub duoergun0729/1book, commit e4e4ae3683d0de6128d665b0672246a21f2cb10e, folder data/ADFA-LD/ (added in acd7fe548b5d611c54555a845185715a0bf2a2bd). ' +
      'Cross-checked byte for byte against verazuo/a-labelled-version-of-the-ADFA-LD-dataset (68bedf561f7b7abe9954a3ddc22dbf24c0d42372, ADFA-LD.zip) and ' +
      'anandsagarthumati9848/HIDS (35093f79d94eeae496fb4034ee54b0ac32c01109, Datasets/ADFA-LD/*.zip).',
    citation: [
      'G. Creech, J. Hu. Generation of a new IDS test dataset: Time to retire the KDD collection. IEEE WCNC 2013, pp. 4487-4492.',
      'G. Creech, J. Hu. A Semantic Approach to Host-Based Intrusion Detection Systems Using Contiguous and Discontiguous System Call Patterns. IEEE Transactions on Computers 63(4), 2014.',
      'G. Creech. Developing a high-accuracy cross platform Host-Based Intrusion Detection System capable of reliably detecting zero-day attacks. PhD thesis, UNSW, 2014. http://handle.unsw.edu.au/1959.4/53218',
    ],
    terms: 'Distributed publicly for research by UNSW Canberra; the dataset page asks users to cite the papers listed. No license file in any mirror.',
  },
  skip: /^(SOURCE\.md|MANIFEST\.sha256)$/,
  notes: [
    'Official source: the UNSW Canberra "ADFA IDS Datasets" page (homepage; the older unsw.adfa.edu.au address is listed under pages); both URLs are UNVERIFIED (not reachable when this manifest was written). ' +
      'The data is also on Harvard Dataverse as "ADFA IDS datasets comprising labeled host, network and windows stealthy attacks settings".',
    '`datasets fetch` downloads data/ADFA-LD.zip of the pinned 1book commit (immutable URL; that zip\'s content equals the registered tree) and checks every file against `files`.',
    'Syscall numbers follow the 32-bit x86 (i386) table: the data was recorded on Ubuntu 11.04 i386. The ADFA-LD+Syscall+List.txt found in some mirrors is asm-generic/unistd.h, not part of the official download, and is left out.',
    'Validation has 4,372 files (UVD-0001..4372, no gaps; all mirrors agree); the paper says 4,373, most likely an off-by-one since the syscall total 2,122,085 matches.',
    'Counts: training 833 traces / 308,077 calls, validation 4,372 / 2,122,085, attack 746 / 317,388 (Adduser 91, Hydra_FTP 162, Hydra_SSH 176, Java_Meterpreter 124, Meterpreter 75, Web_Shell 118).',
    'The 5,951 files hold 3,852 distinct sequences; 2,083 normal traces repeat another normal trace, and 6 attack traces equal a normal validation trace (no sequence detector can flag them).',
    'Attack folders hold every process of one attack run (many benign-looking); intrusion = the attack folder (60 runs). Use folder names, never file names, for labels (28 file names contain "=").',
    'Usual protocol: train on training, measure FPR on validation (or training+validation), DR on attack.',
  ],
});

// ---------------------------------------------------------------------------------------------------

function readCuratorHashes(dataDir: string, root: string): Map<string, string> {
  // A MANIFEST.sha256 in the root or one level up (UNM/MANIFEST.sha256 covers UNM/<program>/...).
  const out = new Map<string, string>();
  for (const base of [root, dirname(root)]) {
    const file = join(dataDir, base, 'MANIFEST.sha256');
    if (!existsSync(file)) continue;
    for (const line of readFileSync(file, 'utf8').split('\n')) {
      const m = /^([0-9a-f]{64})\s+\*?(.+)$/.exec(line.trim());
      if (!m) continue;
      const full = base === '.' ? m[2]! : `${base}/${m[2]!}`;
      const rel = relative(root, full).split('\\').join('/');
      if (!rel.startsWith('..')) out.set(rel, m[1]!);
    }
    break;
  }
  return out;
}

function build(spec: Spec, dataDir: string): Json {
  const absRoot = join(dataDir, spec.root);
  if (!existsSync(absRoot)) throw new InputError(`data for ${spec.name} not found`, { file: absRoot });
  const curator = readCuratorHashes(dataDir, spec.root);
  const files: Record<string, string> = {};
  for (const rel of listFiles(absRoot)) {
    if (spec.skip?.test(rel)) continue;
    const sha = sha256File(join(absRoot, rel));
    const expected = curator.get(rel);
    if (curator.size > 0 && expected === undefined) throw new InputError(`${spec.root}/${rel} is not listed in the curator's MANIFEST.sha256`);
    if (expected !== undefined && expected !== sha) throw new InputError(`${spec.root}/${rel}: sha256 ${sha} differs from MANIFEST.sha256 (${expected})`);
    files[rel] = sha;
  }
  const { skip: _skip, ...rest } = spec;
  const manifest: Json = {
    name: rest.name,
    title: rest.title,
    description: rest.description,
    format: rest.format,
    root: rest.root,
    embedded: false,
    program: rest.program,
    syscallTable: rest.syscallTable,
    labelsFrom: 'rules',
    rules: rest.rules,
    subsets: rest.subsets,
    source: rest.source,
    notes: rest.notes,
    files,
  };
  const check = manifestSchema.safeParse(manifest);
  if (!check.success) {
    const i = check.error.issues[0]!;
    throw new InputError(`generated manifest for ${spec.name} is invalid: field ${i.path.map(String).join('.')}: ${i.message}`);
  }
  return manifest;
}

function main(argv: string[]): number {
  let dataDirOpt: string | undefined;
  let only: Set<string> | undefined;
  let checkOnly = false;
  for (let i = 0; i < argv.length; i++) {
    const a = argv[i]!;
    if (a === '--data-dir') dataDirOpt = argv[++i];
    else if (a === '--only') only = new Set((argv[++i] ?? '').split(',').filter(Boolean));
    else if (a === '--check') checkOnly = true;
    else {
      process.stderr.write(`make-manifests: unknown argument ${a}\nusage: tsx scripts/make-manifests.ts [--data-dir DIR] [--only a,b] [--check]\n`);
      return 2;
    }
  }
  const dataDir = resolveDataDir(dataDirOpt);
  let differ = 0;
  for (const spec of specs) {
    if (only && !only.has(spec.name)) continue;
    const text = JSON.stringify(build(spec, dataDir), null, 2) + '\n';
    const out = join(manifestsDir(), spec.name, 'manifest.json');
    const same = existsSync(out) && readFileSync(out, 'utf8') === text;
    if (checkOnly) {
      if (!same) differ++;
      process.stdout.write(`${spec.name}: ${same ? 'up to date' : 'DIFFERS'}\n`);
      continue;
    }
    mkdirSync(dirname(out), { recursive: true });
    writeFileSync(out, text);
    process.stdout.write(`${spec.name}: wrote ${out} (${Object.keys(JSON.parse(text).files).length} files)\n`);
  }
  return differ > 0 ? 1 : 0;
}

try {
  process.exitCode = main(process.argv.slice(2));
} catch (e) {
  if (e instanceof InputError) {
    process.stderr.write(`make-manifests: ${e.message}\n`);
    process.exitCode = 1;
  } else throw e;
}
