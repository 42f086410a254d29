"""Domain actions (plain functions) that BPMN service tasks, CLI commands and screens call."""
