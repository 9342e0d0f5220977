"""Training of Red Heart's heads on cached sentence embeddings: the head, the metrics, the loop, the tasks."""
