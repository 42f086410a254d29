"""The writer thread of the file imports: order, failures, the interpreter settings."""

from __future__ import annotations

import gc
import sys

import pytest

from handlers.batch_pipeline import SWITCH_INTERVAL, BatchPipeline


def test_batches_are_committed_in_order_and_the_interpreter_settings_restored():
    before = sys.getswitchinterval()
    committed = []
    with BatchPipeline(committed.append, tune_interpreter=True) as writer:
        assert sys.getswitchinterval() == min(before, SWITCH_INTERVAL)
        assert not gc.isenabled()
        with BatchPipeline(committed.append, tune_interpreter=True):  # a second import in the same process
            pass
        assert not gc.isenabled()
        for batch in range(5):
            writer.submit(batch)
    assert committed == [0, 1, 2, 3, 4]
    assert sys.getswitchinterval() == before and gc.isenabled()


def test_a_failed_commit_is_raised_in_the_reader_and_the_settings_still_restored():
    before = sys.getswitchinterval()

    def commit(batch: int) -> None:
        if batch == 1:
            raise RuntimeError("disk full")

    with pytest.raises(RuntimeError, match="disk full"), BatchPipeline(commit, tune_interpreter=True) as writer:
        for batch in range(3):
            writer.submit(batch)
    assert sys.getswitchinterval() == before and gc.isenabled()


def test_an_import_sharing_its_process_leaves_the_interpreter_alone():
    """A web job must not pause the collector or change the switch interval for the web server's threads."""
    before = sys.getswitchinterval()
    committed = []
    with BatchPipeline(committed.append) as writer:
        assert sys.getswitchinterval() == before and gc.isenabled()
        writer.submit("batch")
    assert committed == ["batch"]
