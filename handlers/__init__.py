"""Domain actions (plain functions over models) that BPMN service tasks and screens call."""
