"""A stand-in for the 中間サーバ, the 情報提供ネットワークシステム and other municipalities.

The real network is closed (LGWAN), so Sesshu ships this simulator: it speaks the
protocol of docs/formats/intermediary.md over real HTTP, holds synthetic
vaccination records of other municipalities, applies a 照会許可用照合リスト, answers
queries asynchronously, stores 自動応答不可フラグ, sends incoming queries, and can be
told to fail, time out or answer twice. Demo and test use only.
"""
