CREATE TABLE users (id INTEGER PRIMARY KEY, username TEXT NOT NULL, password TEXT NOT NULL, role TEXT NOT NULL);
INSERT INTO users (username, password, role) VALUES ('alice', 'correct-horse', 'user'), ('admin', 'FLAG{union-select-wins}', 'admin');
CREATE TABLE products (id INTEGER PRIMARY KEY, name TEXT NOT NULL, price REAL NOT NULL);
INSERT INTO products (name, price) VALUES ('Keyboard', 25.0), ('Mouse', 12.5), ('Monitor', 149.0);
