enum _PaperPlaceholder {}
