<?php
// Intentionally vulnerable: the query is built by string concatenation so students can inject into it.
$db = new PDO('sqlite:/var/lib/lab/shop.db');
$q = $_GET['q'] ?? '';
$rows = $q === '' ? [] : $db->query("SELECT name, price FROM products WHERE name LIKE '%" . $q . "%'")->fetchAll(PDO::FETCH_NUM);
?>
<!doctype html>
<title>Shop search</title>
<form><input name="q" value="<?= htmlspecialchars($q) ?>"><button>Search</button></form>
<table>
<?php foreach ($rows as $r): ?>
  <tr><td><?= htmlspecialchars((string) $r[0]) ?></td><td><?= htmlspecialchars((string) $r[1]) ?></td></tr>
<?php endforeach; ?>
</table>
