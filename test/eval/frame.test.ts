import { describe, expect, it } from 'vitest';
import { LocalityFrame, lfcSeries, summarizeFrame } from '../../src/eval/frame.js';
import { alarmingWindows, alarms, countThreshold, firstAlarmWindow, minAlarmLfc, ratioThreshold } from '../../src/eval/threshold.js';

const sig = (s: string) => Uint8Array.from(s.split('').map(Number));

describe('locality frame', () => {
  it('counts mismatches among the last `frame` windows, current included', () => {
    expect(Array.from(lfcSeries(sig('1101000011'), 3))).toEqual([1, 2, 2, 2, 1, 1, 0, 0, 1, 2]);
  });

  it('summarises max LFC, histogram and first reach', () => {
    const s = summarizeFrame(sig('1101000011'), 3);
    expect(s.maxLfc).toBe(2);
    expect(Array.from(s.hist)).toEqual([2, 4, 4, 0]);
    expect(Array.from(s.firstReach)).toEqual([0, 0, 1, -1]);
    expect(s.windows).toBe(10);
  });

  it('a trace with no windows never alarms', () => {
    const s = summarizeFrame(new Uint8Array(0), 20);
    expect(s.maxLfc).toBe(0);
    expect(alarms(s, countThreshold(1))).toBe(false);
    expect(firstAlarmWindow(s, countThreshold(1))).toBe(-1);
    expect(alarms(s, ratioThreshold(0))).toBe(false);
  });

  it('the incremental frame equals the batch series', () => {
    const s = sig('1110010101111100001011');
    const f = new LocalityFrame(4);
    const online = Array.from(s, (b) => f.push(b as 0 | 1));
    expect(online).toEqual(Array.from(lfcSeries(s, 4)));
  });

  it('frame of 1 is the raw signal', () => {
    expect(Array.from(lfcSeries(sig('0110'), 1))).toEqual([0, 1, 1, 0]);
  });
});

describe('threshold policies at their edges', () => {
  const s = summarizeFrame(sig('0001110000'), 5); // LFC reaches 3 at window 5
  it('count threshold alarms at LFC >= t (Warrender: reaches or exceeds)', () => {
    expect(alarms(s, countThreshold(3))).toBe(true);
    expect(alarms(s, countThreshold(4))).toBe(false);
    expect(firstAlarmWindow(s, countThreshold(3))).toBe(5);
    expect(firstAlarmWindow(s, countThreshold(1))).toBe(3);
    expect(alarmingWindows(s, countThreshold(3))).toBe(3); // windows 5,6,7 have LFC 3
  });
  it('ratio threshold alarms only when LFC/frame strictly exceeds p (the paper)', () => {
    // 3/5 = 0.6: p = 0.6 must NOT alarm, p just below must.
    expect(alarms(s, ratioThreshold(0.6))).toBe(false);
    expect(alarms(s, ratioThreshold(0.59))).toBe(true);
    expect(minAlarmLfc(ratioThreshold(0.06), 100)).toBe(7);
    expect(minAlarmLfc(ratioThreshold(0.15), 100)).toBe(16);
    expect(minAlarmLfc(ratioThreshold(0.29), 100)).toBe(30); // 0.29*100 is 28.999999999999996 in binary
    expect(minAlarmLfc(ratioThreshold(0), 20)).toBe(1);
  });
  it('thresholds above the frame never alarm', () => {
    expect(alarms(s, countThreshold(6))).toBe(false);
    expect(firstAlarmWindow(s, countThreshold(6))).toBe(-1);
    expect(alarmingWindows(s, countThreshold(6))).toBe(0);
  });
  it('rejects invalid thresholds', () => {
    expect(() => countThreshold(0)).toThrow(RangeError);
    expect(() => countThreshold(1.5)).toThrow(RangeError);
    expect(() => ratioThreshold(1)).toThrow(RangeError);
    expect(() => ratioThreshold(-0.1)).toThrow(RangeError);
  });
});
