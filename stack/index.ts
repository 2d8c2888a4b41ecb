// Public door of stack/ (filled as the part lands).
export {};
