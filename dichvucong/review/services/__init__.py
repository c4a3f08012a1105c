"""Review services: the summary of the tracker store, lists, transcripts, annotations, exports."""
