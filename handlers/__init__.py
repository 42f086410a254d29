"""Domain actions over models: what BPMN service tasks name (by operator) and screens call."""
