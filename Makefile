# Sesshu: `make run` starts the demo, `make test` runs every test.
PYTHON ?= python3
VENV   := .venv
BIN    := $(VENV)/bin
FLASK  := $(BIN)/flask --app wsgi
HOST   ?= 127.0.0.1
PORT   ?= 5000
SIM_PORT ?= 5100

.PHONY: run test lint clean assets screenshots serve-prod

$(BIN)/python:
	$(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --upgrade pip

$(VENV)/.installed: pyproject.toml | $(BIN)/python
	$(BIN)/python -m pip install --quiet -e .
	@touch $@

$(VENV)/.installed-dev: pyproject.toml | $(BIN)/python
	$(BIN)/python -m pip install --quiet -e '.[dev]'
	@touch $@ $(VENV)/.installed

run: $(VENV)/.installed
	$(FLASK) db upgrade
	$(FLASK) demo seed --if-empty
	$(FLASK) processes load-shipped
	@echo ""
	@echo "  Sesshu を http://$(HOST):$(PORT)/ で起動します（終了は Ctrl+C）。"
	@echo "  デモ職員: madoguchi1（窓口）, kantoku1（監督者）, shinsa1（審査担当）,"
	@echo "            gyomu1（業務管理者）, kansa1（監査担当）, kanri1（システム管理者）"
	@echo "            flag1, flag2（自動応答不可フラグ担当）"
	@echo "  パスワード: sesshu-demo-2026（デモ専用）"
	@echo "  中間サーバ シミュレータ: http://$(HOST):$(SIM_PORT)/（アプリと一緒に終了します）"
	@echo "  確認コード（二要素認証）: 別の端末で $(FLASK) demo otp madoguchi1"
	@echo "            （ID を替えて実行。開発環境のみ。コードは30秒ごとに変わります）"
	@echo ""
	@export SESSHU_INTERMEDIARY_URL=http://$(HOST):$(SIM_PORT) \
	        SESSHU_INTERMEDIARY_CALLBACK_URL=http://$(HOST):$(PORT)/intermediary/callback; \
	$(FLASK) intermediary simulate --host $(HOST) --port $(SIM_PORT) & sim=$$!; \
	$(FLASK) workflows worker & worker=$$!; \
	trap 'kill $$sim $$worker 2>/dev/null; wait $$sim $$worker 2>/dev/null' EXIT INT TERM; \
	$(FLASK) run --host $(HOST) --port $(PORT)

# Production shape on this machine: gunicorn (WEB_WORKERS) + one workflow worker against
# DATABASE_URL (docs/deploy.md); Ctrl+C stops both.
WEB_WORKERS ?= 2
PROD_PORT   ?= 8000
serve-prod: $(VENV)/.installed
	@test -n "$$DATABASE_URL" || { echo "DATABASE_URL を指定してください（例: postgresql+psycopg://postgres@127.0.0.1:5432/sesshu）"; exit 1; }
	$(FLASK) db upgrade
	$(FLASK) processes load-shipped
	@$(FLASK) workflows worker & worker=$$!; \
	$(BIN)/gunicorn --workers $(WEB_WORKERS) --bind $(HOST):$(PROD_PORT) wsgi:app & web=$$!; \
	trap 'kill -TERM $$web $$worker 2>/dev/null; wait $$web $$worker 2>/dev/null' EXIT INT TERM; \
	echo "  gunicorn（$(WEB_WORKERS) ワーカー）http://$(HOST):$(PROD_PORT)/ とワークフローワーカーを起動しました（終了は Ctrl+C）。"; \
	wait $$web $$worker

test: $(VENV)/.installed-dev
	$(BIN)/python -m pytest

# Refresh docs/screenshots/ (the README's pictures) from the browser tests.
screenshots: $(VENV)/.installed-dev
	SESSHU_SCREENSHOTS=1 $(BIN)/python -m pytest tests/browser

lint: $(VENV)/.installed-dev
	$(BIN)/ruff check .

# Re-vendor the front-end files from package-lock.json (the built files are committed,
# so `make run` needs no npm).
BPMN_JS := node_modules/bpmn-js
VENDOR  := web/static/vendor
assets:
	npm ci --no-audit --no-fund
	rm -rf $(VENDOR)/bpmn-js && mkdir -p $(VENDOR)/bpmn-js/assets/bpmn-font/css
	cp $(BPMN_JS)/dist/bpmn-modeler.production.min.js \
	   $(BPMN_JS)/dist/bpmn-navigated-viewer.production.min.js \
	   $(BPMN_JS)/LICENSE $(VENDOR)/bpmn-js/
	cp $(BPMN_JS)/dist/assets/diagram-js.css $(BPMN_JS)/dist/assets/bpmn-js.css $(VENDOR)/bpmn-js/assets/
	cp $(BPMN_JS)/dist/assets/bpmn-font/css/bpmn.css $(VENDOR)/bpmn-js/assets/bpmn-font/css/
	# The CSP allows fonts from 'self' only (no data: URIs): serve the font files themselves.
	mkdir -p $(VENDOR)/bpmn-js/assets/bpmn-font/font
	cp $(BPMN_JS)/dist/assets/bpmn-font/font/bpmn.woff2 $(BPMN_JS)/dist/assets/bpmn-font/font/bpmn.woff \
	   $(BPMN_JS)/dist/assets/bpmn-font/font/bpmn.ttf $(BPMN_JS)/dist/assets/bpmn-font/font/bpmn.eot \
	   $(BPMN_JS)/dist/assets/bpmn-font/font/bpmn.svg $(VENDOR)/bpmn-js/assets/bpmn-font/font/

clean:
	rm -rf $(VENV) .pytest_cache .ruff_cache
