-- MySQL dump 10.13
/*!40101 SET NAMES utf8mb4 */;
DROP TABLE IF EXISTS `users`;
CREATE TABLE `users` (
  `id` int NOT NULL AUTO_INCREMENT,
  `fio` varchar(255) DEFAULT NULL,
  `iin` char(12) DEFAULT NULL,
  `card_number` varchar(19) DEFAULT NULL,
  `photo` blob,
  PRIMARY KEY (`id`)
) ENGINE=InnoDB;
LOCK TABLES `users` WRITE;
INSERT INTO `users` VALUES (1,'Сейткали Айгерим','850315300128','4400430000000009',_binary 'ab\0c'),(2,'O\'Neil','000229500038',NULL,NULL),(3,'a\\b','050722600456','',0x00FF);
UNLOCK TABLES;
