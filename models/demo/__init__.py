"""Deterministic synthetic data for demos, tests and benchmarks.

Everything here is fictitious: 個人番号 start with 99 (never issued), addresses use
fictitious building names, and names are drawn from common-name pools.
"""
