"""中間サーバ procedures: 転入者の接種履歴照会, 自動応答不可フラグ, 情報照会への回答.

The modules register the operators the shipped BPMN processes name; the web layer
configures `settings` at start-up and delivers prepared messages after commit.
"""

from handlers.exchange import flags, incoming, transfer_in  # noqa: F401  (register operators)
