"""Old (pre-2025) addresses to current communes, and where each commune receives applications."""
