#!/usr/bin/env python3
"""Independent numpy check of `ppgscope paper relu-series` and `paper zero-training`'s closed forms.

Computes, in float64:
  * Table I: a_n = (-1)^n (2n)! / ((1-2n) (n!)^2 4^n) from exact integers (math.factorial), n = 0..7;
  * relu(x) ~ (x + sqrt(A) * sum_{n<N} a_n m^n) / 2, m = x^2/A - 1, on
    x = cos(2 pi 10 t) + cos(2 pi 5 t) + cos(2 pi 20 t) + cos(2 pi 40 t), fs = 1024 Hz, 8 s, N = 50,
    for A = max(x^2)/2 (= 8, the authors' choice) and A = max(x^2) (= 16);
  * the relative RMSE RMS(approx - relu)/RMS(relu) and RMSE/max(relu) on t = n/fs;
  * the number the authors' script prints as "%RRMSE": 100 * sqrt(mean((x - approx)^2) / sum(x^2)) on their
    grid t = linspace(0, 8, 8192) (formula read from esl-epfl/relu_dc_is_all_you_need,
    relu_approximation_and_example_networks.py; it compares the approximation with the input x);
  * mean(relu(A cos)) = A/pi on whole, finely sampled periods.

Usage: python3 tools/reference/relu_series_reference.py   (numpy only; prints the numbers, exit 0)
"""
import math

import numpy as np


def coefficients(count):
    return [(-1) ** n * math.factorial(2 * n) / ((1 - 2 * n) * math.factorial(n) ** 2 * 4 ** n) for n in range(count)]


def approximate(x, scale, terms):
    m = x ** 2 / scale - 1
    total = np.zeros_like(x)
    for n, a in enumerate(coefficients(terms)):
        total += a * m ** n
    return (x + np.sqrt(scale) * total) / 2


def signal(t):
    return sum(np.cos(2 * np.pi * f * t) for f in (10, 5, 20, 40))


def main():
    print("Table I:", ", ".join("%.6f" % a for a in coefficients(8)))
    fs, seconds, terms = 1024, 8, 50
    t = np.arange(fs * seconds) / fs
    x = signal(t)
    relu = np.maximum(x, 0)
    for label, scale in (("A = max(x^2)/2", (x ** 2).max() / 2), ("A = max(x^2)", (x ** 2).max())):
        approx = approximate(x, scale, terms)
        rmse = np.sqrt(np.mean((approx - relu) ** 2))
        print("%s = %g: relative RMSE %.6f %%, RMSE/max relu %.6f %%, DC relu %.6f, DC approx %.6f"
              % (label, scale, 100 * rmse / np.sqrt(np.mean(relu ** 2)), 100 * rmse / relu.max(), relu.mean(), approx.mean()))
    ta = np.linspace(0, seconds, fs * seconds)
    xa = signal(ta)
    approx = approximate(xa, (xa ** 2).max() / 2, terms)
    print("authors' printed %%RRMSE (linspace grid): %.6f" % (100 * np.sqrt(np.mean((xa - approx) ** 2) / np.sum(xa ** 2))))
    n = 8192
    print("mean(relu(2.5 cos)) over 8 periods, 1024 samples each: %.9f (2.5/pi = %.9f)"
          % (np.maximum(2.5 * np.cos(2 * np.pi * 8 * np.arange(n) / n + 0.3), 0).mean(), 2.5 / np.pi))


if __name__ == "__main__":
    main()
