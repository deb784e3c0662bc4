enum _AnalysisPlaceholder {}
