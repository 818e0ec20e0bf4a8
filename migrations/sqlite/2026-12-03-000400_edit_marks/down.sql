DROP TABLE edit_marks;
