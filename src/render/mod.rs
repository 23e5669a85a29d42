//! Stage 4: pages and data files, through askama templates in `templates/`.

pub mod diag;
