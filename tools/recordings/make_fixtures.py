#!/usr/bin/env python3
"""Recording fixtures written by each format's own well-kept writer, for ppgscope's reader tests.

    make_fixtures.py small OUT_DIR        small synthetic fixtures (committed under
                                          Tests/PPGFormatsTests/Fixtures/recordings)
    make_fixtures.py s6 S6.h5 OUT_DIR     the S6 recording (ppgscope HDF5 layout) as an Empatica E4
                                          export (folder and zip), EDF+ and WFDB (made at test time)

Writers: pyEDFlib (EDF+/BDF+, wraps EDFlib), wfdb-python (WFDB formats 16, 212, 80), and the
Empatica E4 export layout as Empatica's site gives it (one CSV per signal: row 1 the UNIX start,
row 2 the rate; ACC in 1/64 g). Each small fixture has an `.expected.csv` holding what the format's
own reader (pyEDFlib's EdfReader, wfdb.rdrecord) returns, in physical units: ppgscope's readers are
tested against those. Versions: tools/recordings/requirements.txt.
"""
import csv
import datetime
import os
import shutil
import sys
import zipfile

import numpy as np

E4_START = 1495437325  # a UNIX start time, as in an E4 export's first row


def pulse_wave(t, bpm):
    """A PPG-like pulse train (systolic peak and a smaller diastolic one) at `bpm` beats per minute."""
    phase = 2 * np.pi * np.cumsum(np.full_like(t, bpm / 60.0)) * (t[1] - t[0])
    return np.sin(phase) + 0.35 * np.sin(2 * phase + 0.8) + 0.1 * np.sin(3 * phase + 1.6)


def write_expected(path, names, columns):
    """Writes what a format's own reader returned: one column per signal, shortest round-trip floats."""
    length = max(len(c) for c in columns)
    with open(path, "w", newline="") as f:
        w = csv.writer(f, lineterminator="\n")
        w.writerow(names)
        for i in range(length):
            w.writerow([repr(float(c[i])) if i < len(c) else "" for c in columns])


# ---------------------------------------------------------------------------------------------
# Empatica E4

def e4_signal_file(path, start, rate, columns, integer=False):
    """One E4 CSV: the start time and the rate repeated per column, then the samples."""
    columns = [np.asarray(c) for c in columns]
    with open(path, "w") as f:
        f.write(", ".join(["%.6f" % start] * len(columns)) + "\n")
        f.write(", ".join(["%.6f" % rate] * len(columns)) + "\n")
        for row in zip(*columns):
            f.write(", ".join(("%d" % v) if integer else ("%.6f" % v) for v in row) + "\n")


def write_e4(folder, bvp64, acc32_g, device_hr, ibi, start=E4_START):
    """An E4 export folder: BVP 64 Hz, ACC 32 Hz in 1/64 g, EDA and TEMP 4 Hz, HR 1 Hz from 10 s,
    IBI without a rate row, an empty tags.csv."""
    os.makedirs(folder, exist_ok=True)
    e4_signal_file(os.path.join(folder, "BVP.csv"), start, 64, [bvp64])
    counts = np.round(np.asarray(acc32_g) * 64).astype(int)
    e4_signal_file(os.path.join(folder, "ACC.csv"), start, 32, list(counts), integer=True)
    seconds = len(bvp64) / 64
    n4 = int(seconds * 4)
    e4_signal_file(os.path.join(folder, "EDA.csv"), start, 4, [0.3 + 0.01 * np.arange(n4) / n4])
    e4_signal_file(os.path.join(folder, "TEMP.csv"), start, 4, [32.5 + 0 * np.arange(n4)])
    e4_signal_file(os.path.join(folder, "HR.csv"), start + 10, 1, [device_hr])
    with open(os.path.join(folder, "IBI.csv"), "w") as f:
        f.write("%.6f, IBI\n" % start)
        for t, interval in ibi:
            f.write("%.6f,%.6f\n" % (t, interval))
    open(os.path.join(folder, "tags.csv"), "w").close()


def zip_folder(folder, path, leave_out=()):
    with zipfile.ZipFile(path, "w", zipfile.ZIP_DEFLATED) as z:
        for name in sorted(os.listdir(folder)):
            if name not in leave_out:
                info = zipfile.ZipInfo(name, date_time=(2017, 5, 22, 7, 15, 25))  # fixed, so the zip is reproducible
                info.compress_type = zipfile.ZIP_DEFLATED
                z.writestr(info, open(os.path.join(folder, name), "rb").read())


# ---------------------------------------------------------------------------------------------
# EDF+ / BDF+ (pyEDFlib)

def write_edf(path, signals, record_s=1.0, bdf=False):
    """signals: list of (label, unit, rate_hz, values). Physical range = data range (padded)."""
    import pyedflib
    filetype = pyedflib.FILETYPE_BDFPLUS if bdf else pyedflib.FILETYPE_EDFPLUS
    writer = pyedflib.EdfWriter(path, len(signals), file_type=filetype)
    headers = []
    digital = 8388607 if bdf else 32767
    for label, unit, rate, values in signals:
        lo, hi = float(np.min(values)), float(np.max(values))
        pad = max(1e-3, 0.01 * (hi - lo))
        headers.append({"label": label, "dimension": unit, "sample_frequency": rate,
                        "physical_min": round(lo - pad, 3), "physical_max": round(hi + pad, 3),
                        "digital_min": -digital - 1, "digital_max": digital, "transducer": "", "prefilter": ""})
    writer.setSignalHeaders(headers)
    writer.setStartdatetime(datetime.datetime(2017, 5, 22, 7, 15, 25))  # fixed, so the files are reproducible
    writer.setDatarecordDuration(record_s)
    writer.writeSamples([np.asarray(v, dtype=np.float64) for _, _, _, v in signals])
    writer.close()


def read_edf(path):
    import pyedflib
    with pyedflib.EdfReader(path) as r:
        return r.getSignalLabels(), [r.readSignal(i) for i in range(r.signals_in_file)]


# ---------------------------------------------------------------------------------------------
# WFDB (wfdb-python)

def write_wfdb(folder, record, fs, names, units, signals, fmt):
    import wfdb
    p = np.column_stack([np.asarray(s, dtype=np.float64) for s in signals])
    wfdb.wrsamp(record, fs=fs, units=units, sig_name=names, p_signal=p, fmt=[fmt] * len(names), write_dir=folder)


def read_wfdb(folder, record):
    import wfdb
    r = wfdb.rdrecord(os.path.join(folder, record))
    return r.sig_name, [r.p_signal[:, i] for i in range(r.n_sig)]


# ---------------------------------------------------------------------------------------------

def small(out):
    """Small synthetic fixtures (a few seconds each) and the bad inputs the readers must refuse."""
    if os.path.isdir(out):
        shutil.rmtree(out)
    os.makedirs(out)
    rng = np.random.default_rng(14)
    t64 = np.arange(64 * 12) / 64
    t32 = np.arange(32 * 12) / 32
    bpm = 72.0
    ppg64 = 80 * pulse_wave(t64, bpm) + rng.normal(0, 2, t64.size)
    acc32 = [np.round(rng.normal(0, 0.05, t32.size) * 64) / 64 + g for g in (0.0, 0.0, 1.0)]

    # E4: a folder, its zip, and a zip without BVP.csv.
    beats = np.arange(0.5, 12, 60 / bpm)
    write_e4(os.path.join(out, "e4"), ppg64, acc32, np.full(2, bpm + 3.0), [(b, 60 / bpm) for b in beats[1:]])
    zip_folder(os.path.join(out, "e4"), os.path.join(out, "e4.zip"))
    zip_folder(os.path.join(out, "e4"), os.path.join(out, "e4_no_bvp.zip"), leave_out=("BVP.csv",))

    # EDF+ with per-signal rates and units; BDF+ (24 bit); a truncated copy.
    hr = np.full(12, bpm)
    edf_signals = [("PPG wrist", "uV", 64, ppg64), ("ACC X", "g", 32, acc32[0]), ("ACC Y", "g", 32, acc32[1]),
                   ("ACC Z", "g", 32, acc32[2]), ("HR", "bpm", 1, hr)]
    write_edf(os.path.join(out, "small.edf"), edf_signals)
    write_expected(os.path.join(out, "small.edf.expected.csv"), *read_edf(os.path.join(out, "small.edf")))
    write_edf(os.path.join(out, "small.bdf"), edf_signals, bdf=True)
    write_expected(os.path.join(out, "small.bdf.expected.csv"), *read_edf(os.path.join(out, "small.bdf")))
    data = open(os.path.join(out, "small.edf"), "rb").read()
    open(os.path.join(out, "truncated.edf"), "wb").write(data[:-100])

    # WFDB: several signals in formats 16, 212 and 80; a numerics record; a header without its .dat.
    ecg = 0.8 * np.sin(2 * np.pi * bpm / 60 * t64) ** 15 + rng.normal(0, 0.01, t64.size)
    resp = 0.3 * np.sin(2 * np.pi * 0.25 * t64)
    for fmt in ("16", "212", "80"):
        write_wfdb(out, "multi_%s" % fmt, 64, ["PLETH", "II", "RESP"], ["NU", "mV", "NU"],
                   [ppg64 / 100, ecg, resp], fmt)
        write_expected(os.path.join(out, "multi_%s.expected.csv" % fmt), *read_wfdb(out, "multi_%s" % fmt))
    write_wfdb(out, "numerics", 1, ["HR", "PULSE", "SpO2"], ["bpm", "bpm", "%"],
               [hr + np.arange(12) * 0.5, hr + 1, np.full(12, 97.0)], "16")
    write_expected(os.path.join(out, "numerics.expected.csv"), *read_wfdb(out, "numerics"))
    shutil.copy(os.path.join(out, "multi_16.hea"), os.path.join(out, "missing_dat.hea"))
    hea = open(os.path.join(out, "missing_dat.hea")).read().replace("multi_16", "missing_dat")
    open(os.path.join(out, "missing_dat.hea"), "w").write(hea)

    # CSV as people write it.
    with open(os.path.join(out, "headerless.csv"), "w") as f:
        f.writelines("%.3f\n" % v for v in ppg64)
    with open(os.path.join(out, "semicolon_timer_ms.csv"), "w") as f:
        f.write("timer;green;ACC X;ACC Y;ACC Z\n")
        for i, v in enumerate(ppg64[::2]):
            f.write("%d;%s;%s;%s;%s\n" % (round(i * 1000 / 32), ("%.3f" % v).replace(".", ","),
                                           ("%.5f" % acc32[0][i]).replace(".", ","), ("%.5f" % acc32[1][i]).replace(".", ","),
                                           ("%.5f" % acc32[2][i]).replace(".", ",")))
    # Irregular time stamps (jitter ±2 ms at 100 Hz) with a 0.5 s gap, as datetimes.
    t = np.arange(100 * 12) / 100
    t = t + rng.uniform(-0.002, 0.002, t.size)
    keep = (t < 5.0) | (t >= 5.5)
    with open(os.path.join(out, "datetime_gap.csv"), "w") as f:
        f.write("datetime,pleth\n")
        base = datetime.datetime(2016, 11, 24, 13, 58, 58)
        for ti, v in zip(t[keep], 80 * pulse_wave(np.arange(t.size) / 100, bpm)[keep]):
            f.write("%s,%.4f\n" % ((base + datetime.timedelta(seconds=float(ti))).strftime("%Y-%m-%d %H:%M:%S.%f"), v))
    with open(os.path.join(out, "unix_ms_tab.csv"), "w") as f:
        f.write("timestamp\tppg\n")
        for i, v in enumerate(ppg64):
            f.write("%d\t%.3f\n" % (1480000000000 + round(i * 1000 / 64), v))
    bad = {
        "bad_time.csv": "time,ppg\n0.00,1\n0.01,2\nnoon,3\n",
        "backwards.csv": "time,ppg\n0.00,1\n0.02,2\n0.01,3\n",
        "duplicate.csv": "time,ppg\n0.00,1\n0.01,2\n0.01,3\n",
        "ambiguous.csv": "# sampling_rate_hz=64\nppg_green,ppg_red,ppg_ir\n1,2,3\n4,5,6\n",
    }
    for name, text in bad.items():
        open(os.path.join(out, name), "w").write(text)


def s6(source, out):
    """S6 (ppgscope HDF5 layout) as an E4 export (folder and zip), EDF+ and WFDB, with the reference
    as a CSV time_s,bpm (E4) and as a heart-rate channel (EDF+) or numerics record (WFDB)."""
    import h5py
    from scipy.signal import resample_poly
    if os.path.isdir(out):
        shutil.rmtree(out)
    os.makedirs(out)
    with h5py.File(source, "r") as f:
        rate = float(f["channels/ppg"].attrs["sampling_rate_hz"])
        ppg = f["channels/ppg"][:].astype(np.float64)
        acc = [f["channels/" + a][:].astype(np.float64) for a in ("acc_x", "acc_y", "acc_z")]
        ref_t = f["reference_hr/time_s"][:]
        ref_bpm = f["reference_hr/bpm"][:]
    assert rate == 32, "S6 is expected at 32 Hz, found %g" % rate
    with open(os.path.join(out, "s6_reference.csv"), "w") as f:
        f.write("time_s,bpm\n")
        for t, b in zip(ref_t, ref_bpm):
            f.write("%r,%r\n" % (float(t), float(b)))

    # E4: BVP at the device's 64 Hz (polyphase upsampling), ACC at 32 Hz in 1/64 g (exact: S6's ACC is
    # in multiples of 1/64 g), HR.csv a deliberately wrong "device estimate" (reference + 20 BPM), so a
    # reader that took it as the reference would show.
    bvp64 = resample_poly(ppg, 2, 1)
    device = np.interp(np.arange(10, len(ppg) / rate), ref_t, ref_bpm) + 20
    beats, t = [], 0.5
    while t < len(ppg) / rate:
        interval = 60 / np.interp(t, ref_t, ref_bpm)
        t += interval
        beats.append((t, interval))
    write_e4(os.path.join(out, "s6_e4"), bvp64, acc, device, beats)
    zip_folder(os.path.join(out, "s6_e4"), os.path.join(out, "s6_e4.zip"))

    # EDF+: 2 s data records so that the reference fits as a 0.5 Hz "HR" signal (sample k at 2k s;
    # S6's reference is at 8, 10, … s, the first values held back to 0 s).
    hr_ticks = np.arange(0, len(ppg) / rate, 2.0)
    hr = np.interp(hr_ticks, ref_t, ref_bpm)
    write_edf(os.path.join(out, "s6.edf"), [("PPG wrist", "a.u.", 32, ppg), ("ACC X", "g", 32, acc[0]), ("ACC Y", "g", 32, acc[1]),
                                             ("ACC Z", "g", 32, acc[2]), ("HR", "bpm", 0.5, hr)], record_s=2.0)

    # WFDB: the signals (format 16) and a numerics record with the reference at 0.5 Hz.
    write_wfdb(out, "s6", 32, ["PLETH", "ax", "ay", "az"], ["NU", "g", "g", "g"], [ppg] + acc, "16")
    write_wfdb(out, "s6_numerics", 0.5, ["HR"], ["bpm"], [hr], "16")


if __name__ == "__main__":
    if len(sys.argv) == 3 and sys.argv[1] == "small":
        small(sys.argv[2])
    elif len(sys.argv) == 4 and sys.argv[1] == "s6":
        s6(sys.argv[2], sys.argv[3])
    else:
        sys.exit(__doc__)
