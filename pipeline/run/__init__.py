"""Running the stages over a corpus: the streaming runner with its per-document cache and executors, the helper process, progress bars."""
